import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type sesLocal from 'aws-ses-v2-local';
import { type BuildAppOptions, buildApp } from 'fauxqs';

/** A running emulator on 127.0.0.1. */
export interface Emulator {
  /** Endpoint URL for the AWS SDK, e.g. `http://127.0.0.1:4566`. */
  readonly endpoint: string;
  readonly port: number;
  /** Closes the server and its open connections; safe to call more than once. */
  stop(): Promise<void>;
}

/** The SES emulator, which also shows the mail it "sent". */
export interface SesEmulator extends Emulator {
  /** The web mailbox of sent mail. */
  readonly mailboxUrl: string;
}

/** Where to listen: a TCP port on 127.0.0.1, 0 (the default) for a free one. */
export interface EmulatorOptions {
  readonly port?: number;
}

type FauxqsStores = NonNullable<BuildAppOptions['stores']>;

/**
 * Starts fauxqs (SQS, S3 and SNS on one endpoint) on 127.0.0.1, in memory.
 *
 * fauxqs's own `startFauxqs` listens on 0.0.0.0 whatever its `host` option says (that option only
 * names the host in queue URLs), so the server is built with `buildApp` and bound here. Its queue
 * URLs default to `http://sqs.<region>.localhost:<port>/...`, a host that does not resolve on most
 * machines and that the SQS SDK then dials instead of the configured endpoint (its queue-URL-as-endpoint
 * rule). Its stores are therefore created here with the URL host unset, so queue URLs take the host the
 * request came to: `http://127.0.0.1:<port>/000000000000/<name>`, the same origin as the endpoint.
 */
export async function startFauxqsEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const app = buildApp({ logger: false, stores: await fauxqsStoresWithRequestHost() });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('fauxqs is not listening on TCP');
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    stop: () => {
      // fauxqs closes its connections on close (forceCloseConnections) and ends pending long polls.
      stopped ??= app.close().then(() => undefined);
      return stopped;
    },
  };
}

/**
 * fauxqs's store classes are not exported from its package entry; they are loaded from the files
 * next to it. The checks turn a layout change in a fauxqs upgrade into a clear error.
 */
async function fauxqsStoresWithRequestHost(): Promise<FauxqsStores> {
  const entry = import.meta.resolve('fauxqs');
  const load = async (file: string, exportName: string): Promise<new () => unknown> => {
    const module: Record<string, unknown> = await import(new URL(file, entry).href);
    const exported = module[exportName];
    if (typeof exported !== 'function') {
      throw new Error(`fauxqs ${file} no longer exports ${exportName}; check startFauxqsEmulator`);
    }
    return exported as new () => unknown;
  };
  const [SqsStore, SnsStore, S3Store] = await Promise.all([
    load('sqs/sqsStore.js', 'SqsStore'),
    load('sns/snsStore.js', 'SnsStore'),
    load('s3/s3Store.js', 'S3Store'),
  ]);
  const sqsStore = new SqsStore();
  if (!isSqsStore(sqsStore))
    throw new Error('fauxqs SqsStore has no host setting; check startFauxqsEmulator');
  sqsStore.host = '';
  const stores: FauxqsStores = {
    sqsStore,
    snsStore: new SnsStore() as FauxqsStores['snsStore'],
    s3Store: new S3Store() as FauxqsStores['s3Store'],
  };
  return stores;
}

function isSqsStore(value: unknown): value is FauxqsStores['sqsStore'] {
  return typeof value === 'object' && value !== null && 'host' in value && typeof value.host === 'string';
}

type SesServer = typeof sesLocal.default;

/**
 * aws-ses-v2-local is CommonJS with an `exports.default`; an ESM default import yields `module.exports`
 * under Node but the function itself under vitest's interop, so it is required as CommonJS everywhere.
 */
function loadSesServer(): SesServer {
  const loaded: unknown = createRequire(import.meta.url)('aws-ses-v2-local');
  const server =
    typeof loaded === 'object' && loaded !== null && 'default' in loaded ? loaded.default : undefined;
  if (typeof server !== 'function')
    throw new Error('aws-ses-v2-local no longer exports its server as default');
  return server as SesServer;
}

/** Starts aws-ses-v2-local (SES v1 and v2 APIs, web mailbox) on 127.0.0.1; it keeps mail in memory. */
export async function startSesEmulator(options: EmulatorOptions = {}): Promise<SesEmulator> {
  // aws-ses-v2-local listens on '::' (every interface) unless given a host.
  const server: Server = await loadSesServer()({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('aws-ses-v2-local is not listening on TCP');
  const endpoint = `http://127.0.0.1:${address.port}`;
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    port: address.port,
    mailboxUrl: `${endpoint}/`,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
