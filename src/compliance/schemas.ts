import { Type } from 'typebox';
import { DOCUMENT_KINDS } from './documents.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Country = Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2.', examples: ['CY'] });

export const VerificationDetailsBody = Type.Object(
  {
    legal_name: Type.String({ minLength: 1, maxLength: 200, examples: ['Gulf Traders FZE'] }),
    entity_type: Type.Union([Type.Literal('individual'), Type.Literal('company')]),
    registration_number: Type.Optional(Type.String({ maxLength: 200, description: 'Company registration number (required for a company).', examples: ['HE 412345'] })),
    country: Country,
    authorisation: Type.Optional(
      Type.Object(
        { regulator: Type.String({ minLength: 1, maxLength: 200, examples: ['CySEC'] }), licence_number: Type.String({ minLength: 1, maxLength: 200, examples: ['123/10'] }) },
        { additionalProperties: false, description: 'The partner\'s own regulatory authorisation, when it has one.' },
      ),
    ),
    people: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 200 }),
          role: Type.Union([Type.Literal('owner'), Type.Literal('director')]),
          date_of_birth: Type.Optional(Type.String({ maxLength: 10, examples: ['1980-04-01'] })),
          nationality: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20, description: 'The owner (individual) or the owners and directors (company).' },
    ),
  },
  {
    additionalProperties: false,
    examples: [{ legal_name: 'Gulf Traders FZE', entity_type: 'company', registration_number: 'FZE-2231', country: 'AE', people: [{ name: 'Omar Haddad', role: 'owner', nationality: 'AE' }] }],
  },
);

export const DocumentView = Type.Object({
  document_id: Type.String({ format: 'uuid' }),
  kind: Type.Union([Type.Literal('id'), Type.Literal('proof_of_address'), Type.Literal('company'), Type.Literal('licence'), Type.Literal('other')], { description: `One of ${DOCUMENT_KINDS.join(', ')}.` }),
  content_type: Type.String({ description: 'As detected from the file\'s content.', examples: ['application/pdf'] }),
  size_bytes: Type.Integer(),
  sha256: Type.String(),
  file_name: Nullable(Type.String()),
  expires_on: Nullable(Type.String({ format: 'date' })),
  uploaded_at: Type.String({ format: 'date-time' }),
});

export const VerificationView = Type.Object({
  partner_id: Type.String(),
  status: Type.Union([Type.Literal('not_started'), Type.Literal('submitted'), Type.Literal('more_requested'), Type.Literal('approved'), Type.Literal('rejected'), Type.Literal('expired')], {
    description: 'not_started → submitted → approved | rejected | more_requested; approved → expired when a document expires.',
  }),
  details: Type.Union([Type.Any(), Type.Null()], { description: 'The details given (see the PUT body), or null.' }),
  requested: Nullable(Type.String({ description: 'What compliance asked for (more_requested, expired).' })),
  reason: Nullable(Type.String({ description: 'Why it was rejected.' })),
  submitted_at: Nullable(Type.String({ format: 'date-time' })),
  reviewed_at: Nullable(Type.String({ format: 'date-time' })),
  reviewed_by: Nullable(Type.String()),
  expires_on: Nullable(Type.String({ format: 'date', description: 'When the approval lapses: the earliest document expiry.' })),
  approved_on: Nullable(Type.String({ format: 'date' })),
  documents: Type.Array(DocumentView),
});

export const ProgrammeView = Type.Object({
  programme_id: Type.String({ examples: ['default'] }),
  name: Type.String(),
  require_verification: Type.Boolean({ description: 'Hold payouts until due diligence is approved.' }),
  require_terms: Type.Boolean({ description: 'Hold payouts until the current terms version is accepted.' }),
  require_tax_form: Type.Boolean({ description: 'Hold payouts until a W-9, W-8BEN or W-8BEN-E is on file.' }),
  partners: Type.Integer(),
});

export const TermsView = Type.Object({
  terms_id: Type.String({ format: 'uuid' }),
  programme_id: Type.String(),
  version: Type.Integer({ examples: [2] }),
  language: Type.String({ examples: ['en'] }),
  title: Type.String(),
  body: Type.String(),
  published_by: Type.String(),
  published_at: Type.String({ format: 'date-time' }),
});

export const TaxFormBody = Type.Object(
  {
    form_type: Type.Union([Type.Literal('W-9'), Type.Literal('W-8BEN'), Type.Literal('W-8BEN-E')]),
    data: Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 200 }), {
      maxProperties: 12,
      description:
        'W-9: name, business_name?, tax_classification, address, city_state_zip, tin_type (ssn|ein), tin. W-8BEN: name, country_of_citizenship, permanent_address, city_country, country, foreign_tin?, date_of_birth, treaty_country?. W-8BEN-E: organisation_name, country_of_incorporation, chapter3_status, permanent_address, city_country, foreign_tin?, treaty_country?.',
    }),
    signature: Type.Object(
      { typed_name: Type.String({ maxLength: 200, description: 'The signer types their full name (the name on the form for W-9 and W-8BEN).' }), certify: Type.Boolean({ description: 'Must be true: certified under penalties of perjury.' }) },
      { additionalProperties: false },
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        form_type: 'W-8BEN',
        data: { name: 'Maria Lopez', country_of_citizenship: 'ES', permanent_address: 'Calle Mayor 1', city_country: 'Madrid, Spain', country: 'ES', date_of_birth: '1985-02-11' },
        signature: { typed_name: 'Maria Lopez', certify: true },
      },
    ],
  },
);

export const TaxFormView = Type.Object({
  form_id: Type.String({ format: 'uuid' }),
  form_type: Type.String(),
  us_person: Type.Boolean(),
  data: Type.Record(Type.String(), Type.Any(), { description: 'The form\'s fields; TINs masked to the last four digits.' }),
  signature: Type.Object({ typed_name: Type.String(), signed_on: Type.String({ format: 'date' }), ip: Nullable(Type.String()) }),
  submitted_by: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
});

export const GateView = Type.Object({
  held: Type.Boolean({ description: 'Whether the next payout run would hold this partner\'s statements.' }),
  reason: Nullable(Type.String()),
  missing: Type.Array(Type.String(), { description: 'verification, terms, tax_form.' }),
});
