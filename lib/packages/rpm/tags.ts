/**
 * rpm header tag numbers and data types, as rpm's `rpmtag.h` defines them (rpm 4.x). Tags
 * 256..511 in an installed package's header are the signature header's tags moved there
 * (RPMTAG_SIG_BASE + signature tag).
 */

export const RpmType = {
  NULL: 0,
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

export const RpmTag = {
  HEADERSIGNATURES: 62,
  HEADERIMMUTABLE: 63,
  HEADERREGIONS: 64,
  HEADERI18NTABLE: 100,

  SIGSIZE: 257,
  SIGPGP: 259,
  SIGMD5: 261,
  SIGGPG: 262,
  PUBKEYS: 266,
  DSAHEADER: 267,
  RSAHEADER: 268,
  SHA1HEADER: 269,
  LONGSIGSIZE: 270,
  SHA256HEADER: 273,

  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  INSTALLTIME: 1008,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  FILESIZES: 1028,
  FILESTATES: 1029,
  FILEMODES: 1030,
  FILERDEVS: 1033,
  FILEMTIMES: 1034,
  FILEDIGESTS: 1035,
  FILELINKTOS: 1036,
  FILEFLAGS: 1037,
  FILEUSERNAME: 1039,
  FILEGROUPNAME: 1040,
  SOURCERPM: 1044,
  FILEVERIFYFLAGS: 1045,
  PROVIDENAME: 1047,
  REQUIREFLAGS: 1048,
  REQUIRENAME: 1049,
  REQUIREVERSION: 1050,
  PROVIDEFLAGS: 1112,
  PROVIDEVERSION: 1113,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  FILECAPS: 5010,
  FILEDIGESTALGO: 5011,
  LONGFILESIZES: 5008,
  LONGSIZE: 5009,
  MODULARITYLABEL: 5096,
} as const;

/** Bits of FILEFLAGS (rpm's rpmfileAttrs). */
export const RpmFileFlag = {
  CONFIG: 1 << 0,
  DOC: 1 << 1,
  MISSINGOK: 1 << 3,
  NOREPLACE: 1 << 4,
  GHOST: 1 << 6,
  LICENSE: 1 << 7,
  README: 1 << 8,
  ARTIFACT: 1 << 12,
} as const;

/** Bits of FILEVERIFYFLAGS and of rpm's verify results (rpmVerifyAttrs). */
export const RpmVerify = {
  FILEDIGEST: 1 << 0,
  FILESIZE: 1 << 1,
  LINKTO: 1 << 2,
  USER: 1 << 3,
  GROUP: 1 << 4,
  MTIME: 1 << 5,
  MODE: 1 << 6,
  RDEV: 1 << 7,
  CAPS: 1 << 8,
} as const;

/** Values of FILESTATES (rpm's rpmfileState). */
export const RpmFileState = {
  NORMAL: 0,
  REPLACED: 1,
  NOTINSTALLED: 2,
  NETSHARED: 3,
  WRONGCOLOR: 4,
} as const;

/** FILEDIGESTALGO values (OpenPGP hash algorithm ids); absent means MD5. */
export const DigestAlgorithm: Record<number, string> = {
  1: 'md5',
  2: 'sha1',
  3: 'ripemd160',
  8: 'sha256',
  9: 'sha384',
  10: 'sha512',
  11: 'sha224',
};
