import type { Actor } from '../../shared/agents/workflow.js';
import { callerRoles, callerSubject, type HttpEvent } from './http.js';

/** The caller as the conversation workflow sees them: their id, and whether they supervise. */
export function actorOf(event: HttpEvent): Actor {
  const roles = callerRoles(event);
  return {
    agentId: callerSubject(event),
    supervisor: roles.includes('supervisor') || roles.includes('admin'),
  };
}
