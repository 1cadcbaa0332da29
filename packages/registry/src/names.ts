import { InvalidArgumentError } from '@mlops/contracts/errors';

// MLflow's alias rule (`^[\w\-]*$`), restricted to ASCII so a name is always a valid, unescaped
// object-store key segment on every backend; at most 250 so `<name>.json` fits a 255-byte file name.
const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Limits enforced on everything a caller stores (documented in the README, "Limits"). */
export const LIMITS = {
  /** Model names and aliases: 1 to 250 characters (`<name>.json` must fit a 255-byte file name). */
  nameLength: 250,
  /** Tag, metric and param keys: 1 to 250 characters, no control characters (MLflow's tag key limit). */
  keyLength: 250,
  /** Tag values: at most 5000 characters (MLflow). */
  tagValueLength: 5000,
  /** String param values: at most 6000 characters (MLflow's param value limit). */
  paramValueLength: 6000,
  /** Description: at most 20 000 characters (it is copied into the event, manifest and index). */
  descriptionLength: 20_000,
  /** Tags on one version (after setTags merges). */
  tagsPerVersion: 100,
  /** Metrics on one version. */
  metricsPerVersion: 500,
  /** Params on one version. */
  paramsPerVersion: 500,
} as const;

const MAX_NAME_LENGTH = LIMITS.nameLength;
const MAX_TAG_KEY_LENGTH = LIMITS.keyLength;
const MAX_TAG_VALUE_LENGTH = LIMITS.tagValueLength;
// Keys that would change an object's prototype instead of storing a value.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Throws `INVALID_ARGUMENT` unless `key` is a valid tag/metric/param key (1..250 characters, no control characters, not `__proto__`). */
export function validateKey(kind: 'tag' | 'metric' | 'param', key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_TAG_KEY_LENGTH) {
    throw new InvalidArgumentError(
      `Expected a ${kind} key of 1 to ${MAX_TAG_KEY_LENGTH} characters, found ${typeof key === 'string' ? `${key.length} characters` : typeof key}. Shorten the key.`,
      { details: { kind, limit: MAX_TAG_KEY_LENGTH } },
    );
  }
  if (hasControlChar(key)) {
    throw new InvalidArgumentError(`The ${kind} key ${JSON.stringify(key)} contains a control character (newline, tab...); remove it.`, { details: { kind, key } });
  }
  if (FORBIDDEN_KEYS.has(key)) {
    throw new InvalidArgumentError(`The ${kind} key "${key}" is reserved (it names a JavaScript object's prototype); choose another key.`, { details: { kind, key } });
  }
  return key;
}
const RESERVED_VERSION_ALIAS = /^[vV]\d+$/;
const hasControlChar = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20);

function checkIdentifier(kind: 'model name' | 'alias', value: unknown): string {
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(`Expected the ${kind} to be a string, found ${typeof value}.`);
  }
  if (value.length === 0 || value.length > MAX_NAME_LENGTH || !NAME_PATTERN.test(value)) {
    const found = value.length > 40 ? `${value.slice(0, 40)}... (${value.length} characters)` : JSON.stringify(value);
    throw new InvalidArgumentError(
      `Invalid ${kind} ${found}: a ${kind} is 1 to ${MAX_NAME_LENGTH} characters of letters, digits, "_" and "-". ` +
        `Rename it to match /^[A-Za-z0-9_-]+$/.`,
      { details: { kind, value, limit: MAX_NAME_LENGTH } },
    );
  }
  return value;
}

/** Throws `INVALID_ARGUMENT` unless `name` is a valid model name. */
export function validateModelName(name: unknown): string {
  return checkIdentifier('model name', name);
}

/**
 * Throws `INVALID_ARGUMENT` unless `alias` is a settable alias: the name rule, and neither
 * `latest` (any case) nor `v<digits>`, which are reserved for version references.
 */
export function validateAlias(alias: unknown): string {
  checkIdentifier('alias', alias);
  const value = alias as string;
  if (value.toLowerCase() === 'latest' || RESERVED_VERSION_ALIAS.test(value)) {
    throw new InvalidArgumentError(
      `The alias "${value}" is reserved: "latest" always means the newest non-archived version and "v<digits>" means ` +
        `that version number. Choose another alias, e.g. "champion" or "production".`,
      { details: { alias: value } },
    );
  }
  return value;
}

/** Throws `INVALID_ARGUMENT` unless the tag key/value respect {@link LIMITS} (key 1..250 chars, value <= 5000). */
export function validateTag(key: unknown, value?: unknown): void {
  validateKey('tag', key);
  if (value === undefined) return;
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(`Expected the value of tag "${key}" to be a string, found ${typeof value}. Convert it with String().`);
  }
  if (value.length > MAX_TAG_VALUE_LENGTH) {
    throw new InvalidArgumentError(
      `The value of tag "${key}" has ${value.length} characters; at most ${MAX_TAG_VALUE_LENGTH} are allowed. Store large values as an artifact.`,
    );
  }
}

/** A parsed model reference. */
export type ModelRef =
  | { name: string; kind: 'version'; version: number }
  | { name: string; kind: 'alias'; alias: string }
  | { name: string; kind: 'latest' };

/**
 * Parses `name/3`, `name@alias`, `name@latest` (and `name@v3`, `models:/name/3`, `models:/name@alias`,
 * the MLflow URI forms). Throws `INVALID_ARGUMENT` saying which forms are accepted.
 */
export function parseModelRef(ref: unknown): ModelRef {
  if (typeof ref !== 'string') {
    throw new InvalidArgumentError(`Expected a model reference string like "fraud/3" or "fraud@champion", found ${typeof ref}.`);
  }
  const text = ref.startsWith('models:/') ? ref.slice('models:/'.length) : ref;
  const at = text.indexOf('@');
  const slash = text.indexOf('/');
  const bad = (why: string): never => {
    throw new InvalidArgumentError(
      `Invalid model reference ${JSON.stringify(ref)}: ${why}. Use "<name>/<version>" (e.g. "fraud/3"), ` +
        `"<name>@<alias>" (e.g. "fraud@champion") or "<name>@latest".`,
      { details: { ref } },
    );
  };
  if (at >= 0 && (slash < 0 || at < slash)) {
    const name = validateModelName(text.slice(0, at));
    const alias = text.slice(at + 1);
    if (alias.toLowerCase() === 'latest') return { name, kind: 'latest' };
    if (RESERVED_VERSION_ALIAS.test(alias)) return { name, kind: 'version', version: parseVersionNumber(alias.slice(1), ref) };
    checkIdentifier('alias', alias);
    return { name, kind: 'alias', alias };
  }
  if (slash >= 0) {
    const name = validateModelName(text.slice(0, slash));
    return { name, kind: 'version', version: parseVersionNumber(text.slice(slash + 1), ref) };
  }
  return bad('it has neither "/<version>" nor "@<alias>"');
}

function parseVersionNumber(text: string, ref: string): number {
  if (!/^[1-9]\d{0,9}$/.test(text)) {
    throw new InvalidArgumentError(
      `Invalid version ${JSON.stringify(text)} in model reference ${JSON.stringify(ref)}: versions are whole numbers from 1.`,
      { details: { ref } },
    );
  }
  return Number(text);
}

/** Throws `INVALID_ARGUMENT` unless `version` is a whole number >= 1. */
export function validateVersion(version: unknown): number {
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new InvalidArgumentError(`Expected a version number (a whole number from 1), found ${JSON.stringify(version)}.`);
  }
  return version;
}

/**
 * Throws `INVALID_ARGUMENT` unless `path` is a safe relative artifact path: `/`-separated, no empty,
 * `.` or `..` segments, no leading `/`, no backslash or control characters.
 */
export function validateArtifactPath(path: string): string {
  const segments = path.split('/');
  if (
    path.length === 0 ||
    path.length > 1024 ||
    path.includes('\\') ||
    hasControlChar(path) ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new InvalidArgumentError(
      `Invalid artifact path ${JSON.stringify(path)}: expected a relative "/"-separated path such as "model.onnx" or ` +
        `"tokenizer/vocab.txt", without empty, "." or ".." segments, backslashes or control characters.`,
      { details: { path } },
    );
  }
  return path;
}
