import { ValidationError } from '../errors.js';

/**
 * Refuses an article's skill when the routing definition does not have it (a 400 naming `skill`), so
 * the e-level never answers for a skill nobody routes to. No skill is fine.
 */
export function requireKnownSkill(skill: string | undefined, skills: readonly string[]): void {
  if (skill === undefined || skills.includes(skill)) return;
  throw new ValidationError('request failed validation', [
    { path: 'skill', message: `unknown skill ${skill}; known: ${skills.join(', ')}` },
  ]);
}
