/**
 * The systemd unit file syntax (systemd.syntax(7)): sections, `Key=Value` assignments, comments
 * and backslash line continuations. A unit file and its drop-ins parse into one ordered list of
 * assignments, which the unit model then interprets setting by setting.
 *
 *     [Unit]
 *     Description=OpenSSH server daemon
 *     After=network.target \
 *           sshd-keygen.target
 *     # a comment
 *     [Install]
 *     WantedBy=multi-user.target
 */

export interface UnitAssignment {
  section: string;
  key: string;
  value: string;
  /** The file the assignment came from and its 1-based line, for messages. */
  file: string;
  line: number;
}

export interface UnitFileProblem {
  file: string;
  line: number;
  message: string;
}

export interface ParsedUnitFile {
  assignments: UnitAssignment[];
  problems: UnitFileProblem[];
}

/** Maximum length of a logical line after joining continuations, systemd's LONG_LINE_MAX (1 MiB). */
const MAX_LOGICAL_LINE = 1024 * 1024;

/**
 * Parses the text of one unit file or drop-in. Lines systemd would ignore with a warning
 * (text outside a section, a line without `=`) become problems and are skipped, as systemd
 * skips them.
 */
export function parseUnitFile(text: string, file: string): ParsedUnitFile {
  const assignments: UnitAssignment[] = [];
  const problems: UnitFileProblem[] = [];
  const lines = text.split(/\r?\n/);

  let section: string | null = null;
  let pending = '';
  let pendingLine = 0;

  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] ?? '';
    const trimmed = raw.trim();

    // Inside a continuation, comment lines are dropped without ending the logical line.
    if (pending !== '' && (trimmed.startsWith('#') || trimmed.startsWith(';'))) continue;

    if (pending === '') pendingLine = index + 1;
    const continued = trimmed.endsWith('\\');
    pending += continued ? `${trimmed.slice(0, -1)} ` : trimmed;

    if (pending.length > MAX_LOGICAL_LINE) {
      problems.push({ file, line: pendingLine, message: `line longer than ${MAX_LOGICAL_LINE} bytes, ignored` });
      pending = '';
      continue;
    }
    if (continued && index + 1 < lines.length) continue;

    const logical = pending.trim();
    pending = '';
    if (logical === '' || logical.startsWith('#') || logical.startsWith(';')) continue;

    if (logical.startsWith('[')) {
      if (!logical.endsWith(']') || logical.length < 3) {
        problems.push({ file, line: pendingLine, message: `invalid section header "${logical}"` });
        section = null;
        continue;
      }
      section = logical.slice(1, -1);
      continue;
    }

    if (section === null) {
      problems.push({ file, line: pendingLine, message: 'assignment outside of any section, ignored' });
      continue;
    }

    const equals = logical.indexOf('=');
    if (equals <= 0) {
      problems.push({ file, line: pendingLine, message: `missing "=" in "${truncate(logical)}", ignored` });
      continue;
    }
    assignments.push({
      section,
      key: logical.slice(0, equals).trim(),
      value: logical.slice(equals + 1).trim(),
      file,
      line: pendingLine,
    });
  }

  return { assignments, problems };
}

/** Parses a systemd boolean (parse_boolean): 1/yes/y/true/t/on and 0/no/n/false/f/off. */
export function parseUnitBoolean(value: string): boolean | null {
  switch (value.toLowerCase()) {
    case '1':
    case 'yes':
    case 'y':
    case 'true':
    case 't':
    case 'on':
      return true;
    case '0':
    case 'no':
    case 'n':
    case 'false':
    case 'f':
    case 'off':
      return false;
    default:
      return null;
  }
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
