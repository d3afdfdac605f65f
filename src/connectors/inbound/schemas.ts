import { Type } from 'typebox';
import { BatchResponse } from '../../http/schemas.ts';
import { EntitySchema } from '../entities.ts';

export const ReceivedSchema = Type.Object({
  status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('ignored')], {
    description: 'accepted: applied now; duplicate: this event id was applied before (nothing changed); ignored: the mapping does not use this event type.',
  }),
  event_type: Type.Optional(Type.String()),
  event_id: Type.Optional(Type.String()),
  entity: Type.Optional(EntitySchema),
  result: Type.Optional(BatchResponse),
});
