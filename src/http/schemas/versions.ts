/** The block storage version documents at /, /v2 and /v3 (OpenStack version discovery). */
import { Type, type Static } from '@sinclair/typebox';
import { Link, NoBody, Timestamp, errorResponses } from './common.js';

export const Version = Type.Object({
  id: Type.String({ description: 'v2.0 or v3.0' }),
  status: Type.String({ description: 'CURRENT, SUPPORTED or DEPRECATED' }),
  version: Type.String({ description: 'the highest microversion; empty without microversions' }),
  min_version: Type.String({ description: 'the lowest microversion; empty without microversions' }),
  updated: Timestamp,
  links: Type.Array(Link),
  'media-types': Type.Array(Type.Object({ base: Type.String(), type: Type.String() })),
});
export type Version = Static<typeof Version>;

const Versions = Type.Object({ versions: Type.Array(Version) });

const plainErrors = errorResponses('plain');

export const VersionReplies = {
  // Cinder answers its root with a choice of versions.
  choices: {
    300: Type.Object({ versions: Type.Array(Version) }, { description: 'Multiple Choices: every version' }),
    // A browser (Accept: text/html) is sent to the web console at /console/.
    302: NoBody,
    ...plainErrors,
  },
  one: { 200: Versions, ...plainErrors },
};
