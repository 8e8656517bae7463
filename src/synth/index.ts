export { RRsetCollector, synthesizeBase, synthesizeRecords, type ForeignRecord } from './records.js';
export { checkZone } from './checks.js';
