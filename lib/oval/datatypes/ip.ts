/**
 * IPv4 and IPv6 addresses with an optional prefix ("10.0.0.0/8", "10.0.0.0/255.0.0.0",
 * "fe80::/10"), as the ipv4_address and ipv6_address datatypes write them.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface IpNetwork {
  /** The address as an unsigned integer of 32 or 128 bits. */
  address: bigint;
  prefixLength: number;
  bits: 32 | 128;
}

function parseIpv4Integer(text: string): bigint | undefined {
  if (!isIPv4(text)) return undefined;
  return text.split('.').reduce((sum, octet) => (sum << 8n) | BigInt(Number(octet)), 0n);
}

/** Converts a dotted netmask such as 255.255.0.0 to a prefix length, or undefined when not contiguous. */
function netmaskToPrefix(mask: bigint): number | undefined {
  let length = 0;
  while (length < 32 && (mask & (1n << BigInt(31 - length))) !== 0n) length++;
  const expected = length === 0 ? 0n : ((1n << BigInt(length)) - 1n) << BigInt(32 - length);
  return mask === expected ? length : undefined;
}

export function parseIpv4Network(value: string): IpNetwork | undefined {
  const [addressText, prefixText, extra] = value.trim().split('/');
  if (extra !== undefined || addressText === undefined) return undefined;
  const address = parseIpv4Integer(addressText);
  if (address === undefined) return undefined;
  if (prefixText === undefined) return { address, prefixLength: 32, bits: 32 };
  if (/^[0-9]{1,2}$/.test(prefixText)) {
    const prefixLength = Number(prefixText);
    return prefixLength <= 32 ? { address, prefixLength, bits: 32 } : undefined;
  }
  const mask = parseIpv4Integer(prefixText);
  if (mask === undefined) return undefined;
  const prefixLength = netmaskToPrefix(mask);
  return prefixLength === undefined ? undefined : { address, prefixLength, bits: 32 };
}

function parseIpv6Integer(text: string): bigint | undefined {
  if (!isIPv6(text)) return undefined;
  let head = text;
  let tailIpv4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tailIpv4 = parseIpv4Integer(text.slice(lastColon + 1));
    if (tailIpv4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  const left = halves[0] === '' ? [] : halves[0]!.split(':');
  const right = halves.length > 1 && halves[1] !== '' ? halves[1]!.split(':') : [];
  const missing = 8 - left.length - right.length;
  const groups = halves.length > 1 ? [...left, ...Array<string>(missing).fill('0'), ...right] : left;
  if (groups.length !== 8) return undefined;
  let address = groups.reduce((sum, group) => (sum << 16n) | BigInt(parseInt(group, 16)), 0n);
  if (tailIpv4 !== undefined) address = (address & ~0xffffffffn) | tailIpv4;
  return address;
}

export function parseIpv6Network(value: string): IpNetwork | undefined {
  const [addressText, prefixText, extra] = value.trim().split('/');
  if (extra !== undefined || addressText === undefined) return undefined;
  const address = parseIpv6Integer(addressText);
  if (address === undefined) return undefined;
  if (prefixText === undefined) return { address, prefixLength: 128, bits: 128 };
  if (!/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  const prefixLength = Number(prefixText);
  return prefixLength <= 128 ? { address, prefixLength, bits: 128 } : undefined;
}

/** Clears every bit of the address past the first `prefixLength` bits. */
export function maskAddress(network: IpNetwork, prefixLength: number): bigint {
  const hostBits = BigInt(network.bits - prefixLength);
  return (network.address >> hostBits) << hostBits;
}
