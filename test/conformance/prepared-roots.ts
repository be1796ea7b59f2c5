/**
 * Root folders the runner builds for cases whose upstream script prepares files first. For the
 * "offline mode" cases, upstream builds a small root folder and points oscap at it with
 * OSCAP_PROBE_ROOT; the runner builds the same files and passes the folder to scapula with
 * --root. The one offline case that also hands oscap a container's environment
 * (OSCAP_CONTAINER_VARS, as oscap-podman does) gets an image instead, whose configuration
 * carries those variables.
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tar from 'tar-stream';

import { FILEHASH_TEXT } from './generated-inputs.js';
import { XATTR_ROOTS } from './xattr-inputs.js';

type RootBuilder = (root: string, scratchTests: string) => void;

function writeInRoot(root: string, file: string, text: string): void {
  const destination = path.join(root, file);
  mkdirSync(path.dirname(destination), { recursive: true });
  writeFileSync(destination, text);
}

/** The tree both skip_paths cases evaluate: the files under b and c must be left out. */
function buildSkipPathsTree(root: string, scratchTests: string): void {
  for (const [folder, file] of [['a', 'x'], ['b', 'y'], ['c', 'z']]) {
    writeInRoot(root, `tmp/oscap_test_skip_paths/${folder}/${file}`, '');
    copyIntoRoot(root, scratchTests, 'API/OVAL/skip_paths/test.xml', `tmp/oscap_test_skip_paths/${folder}/test.xml`);
  }
}

const OFFLINE_ROOTS: Record<string, RootBuilder> = {
  'API/OVAL/skip_paths/test_skip_paths_offline': buildSkipPathsTree,

  // Upstream sets OSCAP_PROBE_ROOT to a folder with nothing but an empty proc.
  'probes/process58/empty_proc': (root) => {
    mkdirSync(path.join(root, 'proc'), { recursive: true });
  },

  'probes/textfilecontent54/test_offline_mode_textfilecontent54/test_offline_mode_textfilecontent54': (root) => {
    writeInRoot(root, 'tmp/bar.txt', 'Hello from the inside\n');
    writeInRoot(root, 'tmp/zzz/foo.txt', 'Bye from the inside\n');
    writeInRoot(root, 'tmp/bar.filepath', 'bar filepath pattern\n');
    writeInRoot(root, 'tmp/zzz/foo.filepath', 'foo filepath pattern\n');
    writeInRoot(root, 'tmp/bar.filename', 'bar filename pattern\n');
    writeInRoot(root, 'tmp/zzz/foo.filename', 'foo filename pattern\n');
  },

  'probes/yamlfilecontent/test_probes_yamlfilecontent_offline_mode': (root, scratchTests) => {
    mkdirSync(path.join(root, 'tmp'), { recursive: true });
    copyFileSync(path.join(scratchTests, 'probes/yamlfilecontent/openshift-logging.yaml'), path.join(root, 'tmp/openshift-logging.yaml'));
  },

  'probes/password/test_probes_password_offline/test_probes_password_offline': (root) => {
    writeInRoot(root, 'etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n');
  },

  // Links of every kind, absolute ones read from the root: test_offline_mode_symlink.sh builds
  // them in its temporary root folder. The link that exists only on the host (/tmp/symlinktest)
  // stays out, so the object naming it finds nothing, as upstream expects.
  'probes/symlink/test_offline_mode_symlink/test_offline_mode_symlink': (root) => {
    for (const file of ['some_file', 'other_file', 'file_in_root', 'etc/shadow']) writeInRoot(root, file, '');
    const links: Array<[string, string]> = [
      ['/some_file', 'normal_symlink'],
      ['some_file', 'normal_symlink_relative'],
      ['/file_to_remove', 'broken_symlink'],
      ['file_to_remove', 'broken_symlink_relative'],
      ['/circular_symlink', 'circular_symlink'],
      ['/other_file', 'middle_symlink'],
      ['/middle_symlink', 'chained_symlink'],
      ['/etc/shadow', 'etc/passwd'],
      ['../../../../../file_in_root', 'path_traversal_symlink'],
      ['./some_file', 'symlink_with_dot_in_path'],
    ];
    for (const [target, link] of links) symlinkSync(target, path.join(root, link));
  },

  // The script links the root's /proc to the host's /proc, so that oscap reads the host's mount
  // table through the root. The runner builds the same link. scapula resolves it inside the
  // root, where it points back at itself, and never reads the host's /proc through it.
  'probes/partition/test_probes_partition_offline_mode/Probe partition simple offline test (/proc mount point)': (root) => {
    symlinkSync('/proc', path.join(root, 'proc'));
  },
  // The same root without the link: an empty folder.
  'probes/partition/test_probes_partition_offline_mode/Probe partition simple offline test (/proc mount point) (invalid prefix)': () => {},

  // A kernel.hostname parameter file that is not the host's.
  'probes/sysctl/test_sysctl_probe_offline_mode': (root) => {
    writeInRoot(root, 'proc/sys/kernel/hostname', 'fake.host.name.me\n');
  },

  // Upstream links the root's /etc to the host's /etc. A link would point outside the root, and
  // the assertions read only os-release and hostname, so the runner copies those two files.
  'probes/system_info/test_probes_system_info_offline_mode/test_offline_mode_system_info_offline': (root) => {
    writeInRoot(root, 'etc/os-release', readFileSync(realpathSync('/etc/os-release'), 'utf8'));
    writeInRoot(root, 'etc/hostname', readFileSync('/etc/hostname', 'utf8'));
  },
};

function copyIntoRoot(root: string, scratchTests: string, source: string, destination: string): void {
  mkdirSync(path.dirname(path.join(root, destination)), { recursive: true });
  copyFileSync(path.join(scratchTests, source), path.join(root, destination));
}

/**
 * Cases whose upstream script copies fixtures into the host's /tmp before evaluating content
 * that reads only /tmp. The runner puts the same files in a root folder instead of writing to
 * the host, and evaluates that root.
 */
const HOST_TMP_ROOTS: Record<string, RootBuilder> = {
  ...XATTR_ROOTS,

  'probes/yamlfilecontent/test_probes_yamlfilecontent_key': (root, scratchTests) => {
    copyIntoRoot(root, scratchTests, 'probes/yamlfilecontent/openshift-logging.yaml', 'tmp/openshift-logging.yaml');
  },

  'probes/yamlfilecontent/test_probes_yamlfilecontent_array': (root, scratchTests) => {
    copyIntoRoot(root, scratchTests, 'probes/yamlfilecontent/openshift-logging.yaml', 'tmp/openshift-logging.yaml');
  },

  'probes/xmlfilecontent/test_xmlfilecontent_probe': (root, scratchTests) => {
    copyIntoRoot(root, scratchTests, 'probes/xmlfilecontent/example.xml', 'tmp/example.xml');
  },

  'API/OVAL/skip_paths/test_skip_paths': buildSkipPathsTree,

  'API/OVAL/unittests/test_variable_conversion': (root) => {
    const line = 'auth      required         pam_faillock.so preauth silent even_deny_root deny=3 fail_interval=900 unlock_time=never fail_interval=900 deny=3';
    writeInRoot(root, 'tmp/test_variable_conversion.txt', `${line}\n`);
  },

  'API/OVAL/unittests/test_variable_in_filter': (root) => {
    writeInRoot(root, 'tmp/key_file', 'secret_key\n');
  },

  'API/OVAL/unittests/test_state_check_existence': (root) => {
    writeInRoot(root, 'tmp/foo.txt', 'Hello\n'.repeat(5));
  },

  'API/OVAL/unittests/test_statetype_operator': (root) => {
    writeInRoot(root, 'tmp/foo.txt', 'Testing state operator.\n');
    chmodSync(path.join(root, 'tmp/foo.txt'), 0o700);
  },

  // Links of every kind (normal, broken, circular, chained) in a temporary folder under /tmp.
  'probes/symlink/test_probes_symlink': (root) => {
    const folder = path.join(root, 'tmp/test_symlink');
    writeInRoot(root, 'tmp/test_symlink/some_file', '');
    writeInRoot(root, 'tmp/test_symlink/other_file', '');
    symlinkSync('/tmp/test_symlink/some_file', path.join(folder, 'normal_symlink'));
    symlinkSync('/tmp/test_symlink/file_to_remove', path.join(folder, 'broken_symlink'));
    symlinkSync('/tmp/test_symlink/circular_symlink', path.join(folder, 'circular_symlink'));
    symlinkSync('/tmp/test_symlink/other_file', path.join(folder, 'middle_symlink'));
    symlinkSync('/tmp/test_symlink/middle_symlink', path.join(folder, 'chained_symlink'));
  },

  // The filehash generators write this file into /tmp before printing definitions on its hashes.
  'probes/filehash/test_probes_filehash/test_probes_filehash': (root) => {
    writeInRoot(root, 'tmp/test_probes_filehash.tmp', FILEHASH_TEXT);
  },
  'probes/filehash58/test_probes_filehash58/test_probes_filehash58_old_algos': (root) => {
    writeInRoot(root, 'tmp/test_probes_filehash58.tmp', FILEHASH_TEXT);
  },
  'probes/filehash58/test_probes_filehash58/test_probes_filehash58_new_algos': (root) => {
    writeInRoot(root, 'tmp/test_probes_filehash58.tmp', FILEHASH_TEXT);
  },

  // Two folder chains the file probe must not descend into (test_probes_file_multiple_file_paths.sh).
  'probes/file/test_probes_file_multiple_file_paths': (root) => {
    mkdirSync(path.join(root, 'tmp/numbers/1/2/3/4/5/6'), { recursive: true });
    mkdirSync(path.join(root, 'tmp/letters/a/b/c/d/e/f'), { recursive: true });
  },

  'probes/textfilecontent54/test_negative_instance': (root) => {
    writeInRoot(root, 'tmp/test_negative_instance.tmp_file', 'valid_key = valid_value\n'.repeat(3));
  },

  'probes/textfilecontent54/test_recursion_limit': (root, scratchTests) => {
    copyIntoRoot(root, scratchTests, 'probes/textfilecontent54/30-ospp-v42.rules', 'tmp/30-ospp-v42.rules');
  },

  'probes/textfilecontent54/test_probes_textfilecontent54': (root) => {
    writeInRoot(root, 'tmp/test_probes_textfilecontent54.tmp_file', 'valid_key = valid_value\nvalid_key = valid_value\n');
    writeInRoot(root, 'tmp/test_probes_textfilecontent54.tmp_file_empty', '');
  },
};

interface TemplateInput {
  /** The upstream template, relative to the tests folder. */
  template: string;
  /** The text in the template that names the script's temporary folder. */
  placeholder: string;
  /** The folder `%PATH%` becomes, inside the root. */
  folder: string;
  /** Fills the root the way the script fills its temporary folder. */
  build: RootBuilder;
}

/**
 * Cases whose script fills a template with the path of a temporary folder (`mktemp -d`),
 * prepares files there and evaluates the filled-in definitions. The runner uses a fixed folder
 * inside the root and writes the filled-in definitions into the case folder.
 */
const TEMPLATE_INPUTS: Record<string, TemplateInput> = {
  'probes/textfilecontent54/test_behavior_multiline': {
    template: 'probes/textfilecontent54/test_behavior_multiline.xml.tpl',
    placeholder: '%PATH%',
    folder: '/tmp/test_behavior_multiline',
    build: (root) => writeInRoot(root, 'tmp/test_behavior_multiline/textfile', 'line1\nline2\nline3\n'),
  },

  // sl1 links to /etc/hosts and sl3 to the folder itself; both resolve inside the root. sl2 dangles.
  'probes/textfilecontent54/test_symlinks': {
    template: 'probes/textfilecontent54/test_symlinks.xml.tpl',
    placeholder: '%PATH%',
    folder: '/tmp/test_symlinks',
    build: (root) => {
      writeInRoot(root, 'etc/hosts', '127.0.0.1\tlocalhost\n');
      const folder = path.join(root, 'tmp/test_symlinks');
      mkdirSync(folder, { recursive: true });
      symlinkSync('/etc/hosts', path.join(folder, 'sl1'));
      symlinkSync('/nonexistent', path.join(folder, 'sl2'));
      symlinkSync('/tmp/test_symlinks', path.join(folder, 'sl3'));
    },
  },
};

/** Environment variables an upstream script exports before running oscap. */
const CASE_ENVIRONMENTS: Record<string, Record<string, string>> = {
  'API/OVAL/skip_paths/test_skip_paths': {
    OSCAP_PROBE_IGNORE_PATHS: '/tmp/oscap_test_skip_paths/n:/tmp/oscap_test_skip_paths/c:/tmp/oscap_test_skip_paths/b',
  },
  'API/OVAL/skip_paths/test_skip_paths_offline': {
    OSCAP_PROBE_IGNORE_PATHS: '/tmp/oscap_test_skip_paths/b:/tmp/oscap_test_skip_paths/c',
  },
};

/** Returns the variables to add to scapula's environment for the case; empty for most cases. */
export function caseEnvironment(caseId: string): Record<string, string> {
  return CASE_ENVIRONMENTS[caseId] ?? {};
}

/** Tells whether the runner builds a root folder or an image for the case, from any table. */
export function hasPreparedRoot(caseId: string): boolean {
  return caseId in OFFLINE_ROOTS || caseId in HOST_TMP_ROOTS || caseId in TEMPLATE_INPUTS || caseId in OFFLINE_IMAGES;
}

interface OfflineImage {
  /** The folders of the root, as layer entries ("proc/1/"). */
  folders: string[];
  /** The container's variables, NAME=value. */
  env: string[];
}

/**
 * Offline cases whose script also gives oscap a container's variables in OSCAP_CONTAINER_VARS,
 * which oscap-podman sets from the container's configuration. scapula reads the same
 * variables from an image's configuration, so the runner builds an OCI image layout with the
 * root's folders in one layer and the variables in its Env.
 */
const OFFLINE_IMAGES: Record<string, OfflineImage> = {
  'probes/environmentvariable58/test_probes_environmentvariable58_offline_mode/test_probes_environmentvariable58_offline_mode': {
    folders: ['proc/', 'proc/1/'],
    env: ['CONTAINER_VARIABLE=/some/value/for/container', 'OTHER_CONTAINER_VAR=other'],
  },
};

/**
 * Writes the OCI image layout of an offline image case into `directory`, once for all the
 * steps of the case. Returns false when the case has none.
 */
export async function buildPreparedImage(caseId: string, directory: string): Promise<boolean> {
  const spec = OFFLINE_IMAGES[caseId];
  if (spec === undefined) return false;
  if (existsSync(directory)) return true;

  const writeBlob = (bytes: Buffer): { digest: string; size: number } => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    mkdirSync(path.join(directory, 'blobs/sha256'), { recursive: true });
    writeFileSync(path.join(directory, 'blobs/sha256', hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.byteLength };
  };
  const layer = writeBlob(await folderLayer(spec.folders));
  const config = writeBlob(
    Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: spec.env }, rootfs: { type: 'layers', diff_ids: [layer.digest] } })),
  );
  const manifest = writeBlob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      }),
    ),
  );
  writeFileSync(path.join(directory, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(path.join(directory, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }));
  return true;
}

/** Packs folder entries ("proc/1/") into an uncompressed layer tar. */
async function folderLayer(folders: string[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const name of folders) pack.entry({ name, type: 'directory', mode: 0o755 }, Buffer.alloc(0));
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/**
 * Builds the root of a case in `root`, once for all the steps of the case. Returns false when
 * the runner has no recipe for the case.
 */
export function buildPreparedRoot(caseId: string, root: string, scratchTests: string): boolean {
  const build = OFFLINE_ROOTS[caseId] ?? HOST_TMP_ROOTS[caseId] ?? TEMPLATE_INPUTS[caseId]?.build;
  if (build === undefined) return false;
  if (existsSync(root)) return true;
  mkdirSync(root, { recursive: true });
  build(root, scratchTests);
  return true;
}

/**
 * Writes the filled-in definitions of a template case into `caseDir` and returns their path,
 * relative to `caseDir`; undefined when the case has no template.
 */
export function writeTemplateInput(caseId: string, caseDir: string, scratchTests: string): string | undefined {
  const input = TEMPLATE_INPUTS[caseId];
  if (input === undefined) return undefined;
  const text = readFileSync(path.join(scratchTests, input.template), 'utf8').replaceAll(input.placeholder, input.folder);
  const file = `filled-${path.basename(input.template, '.tpl')}`;
  writeFileSync(path.join(caseDir, file), text);
  return file;
}
