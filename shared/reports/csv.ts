import { stringify } from 'csv-stringify/sync';
import type { Report, ReportSummary } from './report.js';

type Cell = number | string | null | undefined;

/** The fixed columns, each read from a group's summary. */
const COLUMNS: readonly (readonly [string, (summary: ReportSummary) => Cell])[] = [
  ['inbound', (s) => s.messages?.inbound],
  ['outbound', (s) => s.messages?.outbound],
  ['opened', (s) => s.conversations.opened],
  ['reopened', (s) => s.conversations.reopened],
  ['resolved', (s) => s.conversations.resolved],
  ['first_responses', (s) => s.firstResponse.count],
  ['first_response_average_minutes', (s) => s.firstResponse.averageMinutes],
  ['first_response_p50_minutes', (s) => s.firstResponse.p50Minutes],
  ['first_response_p90_minutes', (s) => s.firstResponse.p90Minutes],
  ['first_responses_within_sla', (s) => s.sla.firstResponsesWithinSla],
  ['first_response_attainment', (s) => s.sla.firstResponseAttainment],
  ['first_response_breaches', (s) => s.sla.firstResponseBreaches],
  ['resolution_average_minutes', (s) => s.resolution.averageMinutes],
  ['resolution_p50_minutes', (s) => s.resolution.p50Minutes],
  ['resolution_p90_minutes', (s) => s.resolution.p90Minutes],
  ['resolved_within_sla', (s) => s.sla.resolvedWithinSla],
  ['resolution_attainment', (s) => s.sla.resolutionAttainment],
  ['resolution_breaches', (s) => s.sla.resolutionBreaches],
  ['e_level_answered', (s) => s.eLevel.answered],
  ['e_level_handed_off', (s) => s.eLevel.handedOff],
  ['e_level_resolved', (s) => s.eLevel.resolved],
  ['satisfaction_responses', (s) => s.satisfaction.responses],
  ['satisfaction_average', (s) => s.satisfaction.average],
  ...(['1', '2', '3', '4', '5'] as const).map(
    (score) => [`satisfaction_${score}`, (s: ReportSummary) => s.satisfaction.distribution[score]] as const,
  ),
];

/** The columns of a family of counts (`escalation:<reason>`, `campaign:<outcome>`, `tag:<tag>`). */
const FAMILIES: readonly (readonly [
  string,
  (summary: ReportSummary) => Record<string, number> | undefined,
])[] = [
  ['escalation', (s) => s.escalations],
  ['campaign', (s) => s.campaigns],
  ['tag', (s) => s.tags],
];

/**
 * The report as CSV (RFC 4180, by csv-stringify): a header, one row per group, then `total`. The group
 * column is named after `groupBy`; families of counts get a column per name found in any row; an empty
 * cell is a figure this breakdown does not have (e.g. messages by tier) or an undefined percentile.
 */
export function reportCsv(report: Report): string {
  const rows: { group: string; summary: ReportSummary }[] = [
    ...report.groups.map(({ group, ...summary }) => ({ group, summary })),
    { group: 'total', summary: report.totals },
  ];
  const families = FAMILIES.map(([prefix, read]) => {
    const names = [...new Set(rows.flatMap((row) => Object.keys(read(row.summary) ?? {})))].sort();
    return { prefix, read, names };
  });
  const header = [
    report.groupBy,
    ...COLUMNS.map(([name]) => name),
    ...families.flatMap(({ prefix, names }) => names.map((name) => `${prefix}:${name}`)),
  ];
  const body = rows.map(({ group, summary }) => [
    group,
    ...COLUMNS.map(([, read]) => read(summary)),
    ...families.flatMap(({ read, names }) => {
      const counts = read(summary);
      return names.map((name) => (counts === undefined ? undefined : (counts[name] ?? 0)));
    }),
  ]);
  return stringify([header, ...body], { record_delimiter: 'windows' });
}
