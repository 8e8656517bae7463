/**
 * Types of the intent blocks (mail:, caa:, tlsa:) as the JSON Schema admits
 * them. The schema has checked their shape; synth turns them into RRsets.
 */
export type HostRef = string;

export interface SrvServiceObj { host: HostRef; port?: number; priority?: number; weight?: number }
export type SrvService = 'off' | HostRef | SrvServiceObj;

export interface MailIntent {
  mx?: 'none' | HostRef | (HostRef | { host: HostRef; preference?: number })[];
  spf?: {
    hosts?: HostRef[];
    mx?: boolean;
    ip4?: string[];
    ip6?: string[];
    include?: string[];
    all?: 'fail' | 'softfail';
    redirect?: string;
    helo?: boolean;
  };
  dkim?: Record<string, { key_file?: string; key?: string; testing?: boolean; strict?: boolean; notes?: string }>;
  dmarc?: {
    p: 'none' | 'quarantine' | 'reject';
    sp?: 'none' | 'quarantine' | 'reject';
    np?: 'none' | 'quarantine' | 'reject';
    adkim?: 'r' | 's';
    aspf?: 'r' | 's';
    pct?: number;
    rua?: string | string[];
    ruf?: string | string[];
    fo?: string;
    rf?: string;
    ri?: number;
    psd?: 'y' | 'n' | 'u';
    t?: 'y' | 'n';
  };
  client_srv?: Partial<Record<'submissions' | 'submission' | 'imaps' | 'imap' | 'pop3s' | 'pop3', SrvService>>;
  autoconfig?: 'off' | { host: HostRef; autodiscover?: boolean };
  mta_sts?: { mode: 'enforce' | 'testing' | 'none'; max_age?: string | number; host?: HostRef; mx?: string[] };
  tls_rpt?: { rua: string | string[] };
  caller_id?: 'off' | 'on' | boolean;
}

export type CaaIssuer = string | { ca: string; accounturi?: string; validationmethods?: string | string[] };
export interface CaaIntent {
  issue?: 'none' | string | CaaIssuer[];
  issuewild?: 'none' | string | CaaIssuer[];
  issuemail?: 'none' | string | CaaIssuer[];
  iodef?: string | string[];
  critical?: boolean;
}

export type TlsaField = string | number;
export interface TlsaRecordIntent { usage?: TlsaField; selector?: TlsaField; matching?: TlsaField; data: string }
export interface TlsaIntent {
  ports?: number[];
  protocol?: 'tcp' | 'udp' | 'sctp';
  cert_file?: string;
  key_file?: string;
  usage?: TlsaField;
  selector?: TlsaField;
  matching?: TlsaField;
  records?: TlsaRecordIntent[];
}

export function list<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export interface ReverseIntent {
  network: string;
  zone?: string;
  from?: string[];
  ptr?: Record<string, string>;
  generic?: { name: string; forward?: boolean };
  delegate?: Record<string, string[] | { nameservers: string[]; zone?: string }>;
  ttl?: string | number;
}
