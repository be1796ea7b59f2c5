/**
 * Date and time formats of the OVAL time_difference function (OVAL 5.11.2,
 * DateTimeFormatEnumeration), each read into seconds since the Unix epoch (UTC).
 */
import type { DateTimeFormat } from '../model.js';

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

function monthNumber(name: string): number | undefined {
  const lower = name.toLowerCase();
  const index = MONTHS.findIndex((month) => month === lower || month.slice(0, 3) === lower);
  return index < 0 ? undefined : index + 1;
}

function toSeconds(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const milliseconds = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(milliseconds);
  if (check.getUTCDate() !== day) return undefined;
  return Math.floor(milliseconds / 1000);
}

/** The optional time part " hh:mm:ss" after a date; all zero when absent. */
const TIME = '(?:[ T]([0-9]{1,2}):([0-9]{2}):([0-9]{2}))?';

/**
 * Parses `value` written in `format`. Returns seconds since the epoch, or undefined when
 * the value does not follow the format.
 */
export function parseDateTime(format: DateTimeFormat, value: string): number | undefined {
  const text = value.trim();
  switch (format) {
    case 'seconds_since_epoch':
      return /^-?[0-9]+$/.test(text) ? Number(text) : undefined;
    case 'win_filetime': {
      // 100-nanosecond intervals since 1601-01-01, written in hexadecimal.
      const match = /^(?:0x)?([0-9A-Fa-f]{1,16})$/.exec(text);
      if (match === null) return undefined;
      const ticks = BigInt(`0x${match[1]}`);
      return Number(ticks / 10_000_000n - 11_644_473_600n);
    }
    case 'cim_datetime': {
      // yyyymmddHHMMSS.mmmmmmsUUU, where sUUU is the offset from UTC in minutes.
      const match = /^([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})\.[0-9]{6}([+-])([0-9]{3})$/.exec(text);
      if (match === null) {
        // OpenSCAP 1.3.7 also takes "2015-07-02 13:00:00:123" and "07-02-2015 13:00:00:123" here.
        const withoutFraction = text.replace(/^(.*[0-9]{2}:[0-9]{2}:[0-9]{2})[:.][0-9]{1,6}$/, '$1');
        return parseDateTime('year_month_day', withoutFraction) ?? parseDateTime('month_day_year', withoutFraction);
      }
      const [, y, mo, d, h, mi, s, sign, offset] = match;
      const local = toSeconds(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s));
      if (local === undefined) return undefined;
      const offsetSeconds = Number(offset) * 60 * (sign === '-' ? -1 : 1);
      return local - offsetSeconds;
    }
    case 'year_month_day': {
      const compact = /^([0-9]{4})([0-9]{2})([0-9]{2})(?:T?([0-9]{2})([0-9]{2})([0-9]{2}))?$/.exec(text);
      const separated = new RegExp(`^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})${TIME}$`).exec(text);
      const match = compact ?? separated;
      if (match === null) return undefined;
      return toSeconds(Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4] ?? 0), Number(match[5] ?? 0), Number(match[6] ?? 0));
    }
    case 'month_day_year': {
      const numeric = new RegExp(`^([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})${TIME}$`).exec(text);
      if (numeric !== null) {
        return toSeconds(Number(numeric[3]), Number(numeric[1]), Number(numeric[2]), Number(numeric[4] ?? 0), Number(numeric[5] ?? 0), Number(numeric[6] ?? 0));
      }
      const named = new RegExp(`^([A-Za-z]+),? ([0-9]{1,2}),? ([0-9]{4})${TIME}$`).exec(text);
      if (named === null) return undefined;
      const month = monthNumber(named[1]!);
      if (month === undefined) return undefined;
      return toSeconds(Number(named[3]), month, Number(named[2]), Number(named[4] ?? 0), Number(named[5] ?? 0), Number(named[6] ?? 0));
    }
    case 'day_month_year': {
      const match = new RegExp(`^([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})${TIME}$`).exec(text);
      if (match === null) return undefined;
      return toSeconds(Number(match[3]), Number(match[2]), Number(match[1]), Number(match[4] ?? 0), Number(match[5] ?? 0), Number(match[6] ?? 0));
    }
  }
}
