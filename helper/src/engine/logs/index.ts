// Container logs kept the way Docker's json-file driver keeps them: one JSON record per line in
// container.log, rotated by size, read back with tail, since, until and follow.
export { LogWriter, type LogWriterOptions } from './logWriter';
export { readLogs, type LogEntry, type ReadLogsOptions } from './readLogs';
export { onAppend, type LogEvent, type LogListener } from './logEvents';
export { CURRENT_LOG, logFileName } from './logFiles';
export { MAX_RECORD_PAYLOAD, parseRecord, type LogRecord, type LogStream } from './logRecord';
