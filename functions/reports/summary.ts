import { requireEnv } from '../../shared/config/env.js';
import { readAggregates } from '../../shared/reports/aggregates.js';
import { reportCsv } from '../../shared/reports/csv.js';
import { buildReport, ReportQuerySchema } from '../../shared/reports/report.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * GET /v1/reports/summary?from=&to=&groupBy=channel|tier|day&format=json|csv (supervisor, marketing):
 * volumes, response and resolution times, service levels, escalations, the e-level, satisfaction,
 * campaign outcomes and tags of the days from `from` to `to`, from the daily aggregates (one Query per
 * month); `format=csv` answers the same as text/csv.
 */
export const handler = httpHandler(
  async (event) => {
    const query = parseInput(ReportQuerySchema, event.queryStringParameters ?? {});
    const groupBy = query.groupBy ?? 'day';
    const report = buildReport(
      { from: query.from, to: query.to, groupBy },
      await readAggregates(db, query.from, query.to),
    );
    if (query.format !== 'csv') return json(200, report);
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="report-${query.from}-${query.to}-${groupBy}.csv"`,
      },
      body: reportCsv(report),
    };
  },
  { roles: ['supervisor', 'marketing'] },
);
