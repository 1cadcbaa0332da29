// Module resolve hook: pretends the optional Parquet peers are not installed, and records
// whether anything tried to resolve them (the child prints the log on exit).
export async function resolve(specifier, context, nextResolve) {
  if (/^hyparquet(-writer|-compressors)?(\/|$)/.test(specifier)) {
    process.env.MLOPS_PEER_PROBE_LOG = `${process.env.MLOPS_PEER_PROBE_LOG ?? ''}${specifier};`;
    const error = new Error(`Cannot find package '${specifier}' imported from ${context.parentURL}`);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return nextResolve(specifier, context);
}
