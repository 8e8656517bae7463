export { RRsetCollector, synthesizeBase } from './records.js';
export { checkZone } from './checks.js';
