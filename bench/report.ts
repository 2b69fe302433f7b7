import { INIT_RATIO_BUDGET } from './budgets.js';
import type { CostComponents, CostResult } from './cost.js';
import type { FunctionShare } from './ingest.js';
import type { BenchResults, RoutedFigures } from './results.js';

type Cell = string | number;

/** A plain-text table: first row is the header, numbers right-aligned. */
export function table(rows: readonly (readonly Cell[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [index, cell] of row.entries())
      widths[index] = Math.max(widths[index] ?? 0, String(cell).length);
  }
  const line = (row: readonly Cell[]) =>
    row
      .map((cell, index) => {
        const width = widths[index] ?? 0;
        return typeof cell === 'number' ? String(cell).padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const [header, ...body] = rows;
  if (!header) return '';
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}

const COST_ROWS: readonly (readonly [keyof CostComponents, string])[] = [
  ['apiGateway', 'API Gateway HTTP API'],
  ['lambdaRequests', 'Lambda requests'],
  ['lambdaDuration', 'Lambda duration (arm64)'],
  ['dynamodbWrites', 'DynamoDB write units'],
  ['dynamodbReads', 'DynamoDB read units'],
  ['sqs', 'SQS requests'],
  ['logs', 'CloudWatch Logs ingestion'],
  ['kms', 'KMS'],
];

const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;
const usd = (value: number) => `$${value.toFixed(value >= 1 ? 2 : 4)}`;

/** The bench's figures as readable text for stdout. */
export function formatReport(results: BenchResults): string {
  const { ingest, functions, machine } = results;
  const sections: string[] = [];
  sections.push(
    `carebridge bench, ${results.measuredAt} (${results.benchSeconds} s): node ${machine.node}, ${machine.cpus} x ${machine.cpuModel}`,
  );

  const shareRow = (label: string, name: string, share: FunctionShare): Cell[] => [
    label,
    name,
    share.dynamodbRequests,
    `${share.writeUnits} [${share.reportedWriteUnits}]`,
    `${share.readUnits} [${share.reportedReadUnits}]`,
    share.sqsRequests,
    share.logBytes,
    share.largestItemBytes,
  ];
  const scenarioRows: Cell[][] = [
    [
      'scenario (per message)',
      'function',
      'DDB req',
      'WRU [emu]',
      'RRU [emu]',
      'SQS req',
      'log B',
      'max item B',
    ],
  ];
  for (const scenario of Object.values(ingest.scenarios)) {
    scenarioRows.push(shareRow(scenario.description, 'webform', scenario.ingest));
    scenarioRows.push(shareRow('', 'route', scenario.routing));
    const tiers = Object.entries(scenario.routedTo)
      .map(([tier, count]) => `${tier}: ${count}`)
      .join(', ');
    scenarioRows.push(shareRow('', `tiers (${tiers || 'none'})`, scenario.tiers));
  }
  sections.push(
    `Ingest cost per web-form message: WRU/RRU computed from DynamoDB's documented rules, the emulator's own report in [ ]\n${table(scenarioRows)}`,
  );

  const functionRows: Cell[][] = [
    [
      'function',
      'bundle KB',
      'SDK floor KB',
      'budget KB',
      'bundle',
      'init ms',
      'floor ms',
      'ratio',
      'init',
      'libs floor KB',
      'libs ratio',
      'largest packages (KB)',
    ],
  ];
  for (const [name, figures] of Object.entries(functions)) {
    const largest = Object.entries(figures.largestPackages)
      .slice(0, 3)
      .map(([pkg, bytes]) => `${pkg} ${kb(bytes)}`)
      .join(', ');
    functionRows.push([
      name,
      kb(figures.bundleBytes),
      kb(figures.sdkFloorBundleBytes),
      kb(figures.bundleBudgetBytes),
      figures.bundleMet
        ? 'ok'
        : `MISS +${kb(figures.bundleBytes - figures.bundleBudgetBytes)}${figures.bundleAllowanceBytes ? ` (allowance ${kb(figures.bundleAllowanceBytes)})` : ''}`,
      figures.initMs,
      figures.sdkFloorInitMs,
      figures.initRatio,
      figures.initMet === null ? 'n/a' : figures.initMet ? 'ok' : 'MISS',
      kb(figures.librariesFloorBundleBytes),
      figures.librariesFloorInitRatio,
      largest,
    ]);
  }
  sections.push(
    [
      'Functions: bundled as infra/bundling.ts says; init = median import time over fresh node processes.',
      `Budgets (docs/performance.md): bundle at most 450 KB, or the SDK floor + 100 KB where the floor is over 350 KB; init at most ${INIT_RATIO_BUDGET}x the SDK floor's (n/a: no SDK client, empty floor)`,
      'libs floor: the SDK floor plus the Powertools Logger, middy, zod and the HTTP layer with no domain code; libs ratio: its init / the SDK floor init',
      table(functionRows),
    ].join('\n'),
  );

  const { plan, serial, concurrent } = ingest.throughput;
  sections.push(
    [
      'Throughput: web-form handler in-process against the emulators (same process), known customers',
      `  serial      ${serial.submissions} submissions: p50 ${serial.p50Ms} ms, p95 ${serial.p95Ms} ms`,
      `  concurrent  ${concurrent.submissions} submissions from ${plan.customers} customers, ${plan.concurrency} in flight: ${concurrent.messagesPerSecond} msg/s, p50 ${concurrent.p50Ms} ms, p95 ${concurrent.p95Ms} ms`,
    ].join('\n'),
  );

  const costTable = (cost: CostResult) => {
    const rows: Cell[][] = [['component (USD per million messages)', 'webform', 'route', 'tiers', 'total']];
    for (const [key, label] of COST_ROWS) {
      rows.push([
        label,
        usd(cost.byFunction.webform[key]),
        usd(cost.byFunction.route[key]),
        usd(cost.byFunction.tiers[key]),
        usd(cost.components[key]),
      ]);
    }
    rows.push(['total (infrastructure)', '', '', '', usd(cost.perMillionUsd)]);
    rows.push(['delivery fees (SES per email), apart', '', '', '', usd(cost.deliveryFeesUsd)]);
    return table(rows);
  };
  const { cost, routing } = ingest;
  const routed = (label: string, figures: RoutedFigures) =>
    `  ${label}: ${figures.dynamodbRequestsPerMessage} DynamoDB requests, ${figures.writeUnitsPerMessage} WRU, ${figures.readUnitsPerMessage} RRU, ${figures.sqsRequestsPerMessage} SQS requests per message (routing consumer + tier consumer)`;
  sections.push(
    [
      'Routing per message, after ingest',
      routed('steady state (tier 1, push assignment tried)', routing.steadyState),
      routed('answered by the e-level', routing.eLevelAnswer),
    ].join('\n'),
  );
  sections.push(
    `Cost per million web-form messages, steady state, routing through the tier queues included\n${costTable(cost)}\n${cost.assumptions.map((line) => `  - ${line}`).join('\n')}`,
  );
  sections.push(
    `Cost per million web-form questions answered by the e-level (new customers: ingest creates customer and identities)\n${costTable(routing.eLevelAnswer.cost)}`,
  );

  const { campaigns } = results;
  const campaignRows: Cell[][] = [['component (USD per million recipients)', 'USD']];
  for (const [key, value] of Object.entries(campaigns.cost.components)) campaignRows.push([key, usd(value)]);
  campaignRows.push(['total (infrastructure)', usd(campaigns.cost.perMillionRecipientsUsd)]);
  campaignRows.push(['  of which orchestration', usd(campaigns.cost.orchestrationUsd)]);
  campaignRows.push(['delivery fees (SES per email), apart', usd(campaigns.cost.deliveryFeesUsd)]);
  const per = campaigns.perRecipient;
  sections.push(
    [
      `A retention campaign, ${campaigns.recipients} recipients, ${campaigns.messagesSent} messages sent (an email offer, a 72-hour wait, an email follow-up)`,
      `  this run, per recipient: ${per.transitions} state transitions, ${per.lambdaInvocations} Lambda invocations, ${per.dynamodbRequests} DynamoDB requests, ${per.writeUnits} WRU, ${per.readUnits} RRU, ${per.sqsRequests} SQS requests, ${per.sesEmails} emails`,
      `  at a million recipients (priced below): ${campaigns.atAMillion.transitionsPerRecipient} transitions and ${campaigns.atAMillion.taskInvocationsPerRecipient} task invocations per recipient (${campaigns.run.waves - campaigns.run.busyWaves} idle waves over the waits, enrol pages and busy waves scaled); one execution per recipient would cost about $205 in transitions alone`,
      table(campaignRows),
      ...campaigns.cost.assumptions.map((line) => `  - ${line}`),
    ].join('\n'),
  );

  const targetRows: Cell[][] = [['target (product brief)', 'target', 'measured', '']];
  for (const check of results.targets) {
    targetRows.push([
      check.figure,
      `${check.target} ${check.unit}`,
      `${check.measured} ${check.unit}`,
      check.met ? 'met' : 'MISSED',
    ]);
  }
  sections.push(table(targetRows));
  return `${sections.join('\n\n')}\n`;
}
