/** Usage text of every command, printed by --help and after a usage error. */

export const MAIN_HELP = `Usage: scapula [--version] [--help] COMMAND [ARGS]

Evaluate SCAP content (OVAL) against a directory root, a container image archive or the
running host, read in place and read-only.

Commands:
  oval eval       Collect items from a target and evaluate OVAL definitions
  oval analyse    Evaluate OVAL definitions against saved system characteristics
  oval collect    Collect items from a target and write system characteristics
  oval validate   Validate an OVAL document against its XML Schema
  info            Describe an OVAL document, or list the supported object types (--probes)

Run 'scapula COMMAND --help' for the options of a command.
`;

export const OVAL_HELP = `Usage: scapula oval SUBCOMMAND [OPTIONS]

Subcommands:
  eval        Collect items from a target and evaluate OVAL definitions
  analyse     Evaluate OVAL definitions against saved system characteristics (also 'analyze')
  collect     Collect items from a target and write system characteristics
  validate    Validate an OVAL document against its XML Schema
`;

const TARGET_OPTIONS = `Target (at most one of --root and --image):
  --root DIR               Read the root file system at DIR; "/" (the default) is the running host
  --image PATH             Read a container image in place: a docker save tar, an OCI layout
                           (folder or tar) or a root file system tar, plain or compressed
  --platform OS/ARCH       Pick one image of a multi-platform archive, e.g. linux/arm64
  --no-verify              Do not check blob digests of the image archive
  --skip-path PATH         Leave out the files at and below PATH in the target (repeatable); the
                           colon-separated list in OSCAP_PROBE_IGNORE_PATHS is added`;

const LOG_OPTIONS = `Logging:
  --verbose [LEVEL]        Log what each probe read, to stderr; LEVEL is DEVEL, INFO (default),
                           WARNING or ERROR
  --verbose-log-file FILE  With --verbose: write the log to FILE instead of stderr`;

export const OVAL_EVAL_HELP = `Usage: scapula oval eval [OPTIONS] [OVAL_FILE]

Collect the items the definitions need from the target and evaluate them. Prints one line per
definition, "Definition ID: RESULT", in descending order of ID as oscap does. OVAL_FILE may be
compressed (gzip, bzip2, xz, zstd); without it, the container baseline shipped in the package's
content/ folder is evaluated.

Options:
  --results FILE           Write OVAL results to FILE
  --variables FILE         Read external variable values from an oval_variables document
  --directives FILE        Read OVAL directives that select what the results file contains
  --without-syschar        Leave the system characteristics out of the results file
  --id DEFINITION          Evaluate only this definition (repeatable)
  --skip-valid, --skip-validation
                           Accepted for oscap compatibility; scapula never runs XML Schema
                           validation before evaluating

${TARGET_OPTIONS}

${LOG_OPTIONS}

Exit status: 0 when the evaluation ran (whatever the results), 1 on an error that stopped it,
130 when interrupted (SIGINT, SIGTERM), 141 when the reader of the output went away.
`;

export const OVAL_ANALYSE_HELP = `Usage: scapula oval analyse [OPTIONS] --results FILE OVAL_FILE SYSCHAR_FILE

Evaluate the definitions against saved system characteristics; no probe runs.

Options:
  --results FILE           Write OVAL results to FILE (required)
  --variables FILE         Read external variable values from an oval_variables document
  --directives FILE        Read OVAL directives that select what the results file contains
  --skip-valid, --skip-validation
                           Accepted for oscap compatibility

${LOG_OPTIONS}
`;

export const OVAL_COLLECT_HELP = `Usage: scapula oval collect [OPTIONS] OVAL_FILE

Collect the items of every object the definitions file declares and write them as
system characteristics.

Options:
  --syschar FILE           Write the system characteristics to FILE (default: standard output)
  --variables FILE         Read external variable values from an oval_variables document
  --id OBJECT              Collect only this object (repeatable)
  --skip-valid, --skip-validation
                           Accepted for oscap compatibility

${TARGET_OPTIONS}

${LOG_OPTIONS}
`;

export const OVAL_VALIDATE_HELP = `Usage: scapula oval validate [OPTIONS] FILE

Validate an OVAL definitions, variables, system characteristics, results or directives
document against the XML Schema of its schema version, taken from the OpenSCAP schema folder
(/usr/share/openscap/schemas, or the folder named by SCAPULA_SCHEMA_DIR).

Options:
  --definitions, --variables, --syschar, --results, --directives
                           Expect this document type (the root element decides by default)
  --skip-schematron        Accepted for oscap compatibility; scapula runs no Schematron checks

Exit status: 0 when the document is valid, 2 when it is not, 1 on an error.
`;

export const INFO_HELP = `Usage: scapula info --probes
       scapula info FILE

  --probes    List every supported OVAL object type and what its probe reads on an image
              or directory root and on the running host
  FILE        Print the kind of an OVAL document and how many definitions, tests, objects,
              states and variables it holds
`;
