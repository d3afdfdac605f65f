/** The plan contract: the JSON schema (for routes and OpenAPI) and the semantic validation behind it. */
export * from './plan-schema.ts';
export * from './partner-terms.ts';
export { validatePlan, type PlanIssue } from './plan-validation.ts';
