import { Type } from 'typebox';
import { PASSWORD_MAX, PASSWORD_MIN } from './passwords.ts';

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 320, description: 'Matched without regard to case.', examples: ['ana@example.com'] });
export const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX, description: 'The password.' });
export const NewPassword = Type.String({
  minLength: PASSWORD_MIN,
  maxLength: PASSWORD_MAX,
  description: `At least ${PASSWORD_MIN} characters, no control characters.`,
});
export const Role = Type.Union([Type.Literal('admin'), Type.Literal('finance'), Type.Literal('viewer')], {
  description: 'admin: everything; finance: reads everything and runs payouts; viewer: reads everything.',
});
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const UserView = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal('partner'), Type.Literal('admin')]),
    email: Type.String(),
    name: Type.String(),
    role: Nullable(Type.String({ description: 'An admin user\'s role; null for partners.' })),
    partner_id: Nullable(Type.String({ description: 'The partner a portal login belongs to; null for admin users.' })),
    partner_status: Nullable(Type.String({ description: 'pending, active or suspended; null for admin users.' })),
  },
  { description: 'The signed-in person.' },
);

export const CsrfToken = Type.String({ description: 'Send it as the X-CSRF-Token header on every write made with the session cookie.' });

export const SignInBody = Type.Object({ email: Email, password: Password }, { additionalProperties: false });

export const AdminUserView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  disabled: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

export const PortalUserView = Type.Object({
  id: Type.String(),
  partner_id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  disabled: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
});

export const OneTimePassword = Type.Optional(
  Type.String({ description: 'Only when no password was given: a generated password, shown this once. Hand it to the person over a safe channel.' }),
);
