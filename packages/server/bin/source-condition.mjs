// Loader hook for running Tether from a checkout: adds the `@tether/source` export condition, under
// which the workspace packages export their TypeScript sources instead of `dist/` (see
// docs/architecture.md, "No build step").
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, '@tether/source'] });
}
