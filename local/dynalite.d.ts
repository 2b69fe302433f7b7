/**
 * The slice of dynalite 4 (an untyped CommonJS package) that the local DynamoDB emulator uses: the store and
 * item helpers in db/, the request validators in validations/ and the operation handlers in actions/.
 * Each module is imported through its default export, which is the module's `module.exports`.
 */

declare module 'dynalite/db/index.js' {
  /** A DynamoDB attribute value in the wire format dynalite stores. */
  export interface AttributeValue {
    S?: string;
    N?: string;
    B?: string;
    BOOL?: boolean;
    NULL?: boolean;
    SS?: string[];
    NS?: string[];
    BS?: string[];
    L?: AttributeValue[];
    M?: { [name: string]: AttributeValue };
  }

  export type Item = Record<string, AttributeValue>;

  export interface KeySchemaElement {
    AttributeName: string;
    KeyType: string;
  }

  export interface SecondaryIndexDescription {
    IndexName: string;
    KeySchema: KeySchemaElement[];
    Projection: { ProjectionType?: string; NonKeyAttributes?: string[] };
  }

  /** The table record dynalite keeps (the DescribeTable shape). */
  export interface TableDescription {
    TableName: string;
    TableStatus: string;
    KeySchema: KeySchemaElement[];
    AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
    GlobalSecondaryIndexes?: SecondaryIndexDescription[];
    LocalSecondaryIndexes?: SecondaryIndexDescription[];
  }

  /** An error dynalite answers with: HTTP status and the JSON body (`__type`, `message`). */
  export interface DynaliteError extends Error {
    statusCode: number;
    body: { __type: string; message?: string; [field: string]: unknown };
  }

  /** Parsed expressions that dynalite's validators attach to a request (`_condition`, `_updates`, ...). */
  export interface ParsedExpression {
    paths?: unknown[];
    nestedPaths?: Record<string, boolean>;
    [field: string]: unknown;
  }

  /** A request body after dynalite's validation; the fields the emulator reads are typed. */
  export interface DynaliteRequest {
    [field: string]: unknown;
    TableName?: string;
    Item?: Item;
    Key?: Item;
    ConditionExpression?: string;
    UpdateExpression?: string;
    ProjectionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Item;
    ReturnValues?: string;
    ReturnConsumedCapacity?: string;
    ConsistentRead?: boolean;
    _condition?: ParsedExpression;
    _updates?: ParsedExpression;
    _projection?: ParsedExpression;
  }

  /** A response body produced by a dynalite action. */
  export interface DynaliteResult {
    [field: string]: unknown;
    Item?: Item;
    Attributes?: Item;
    ConsumedCapacity?: { CapacityUnits: number };
  }

  export interface ItemDb {
    get(key: string, callback: (err: Error | null | undefined, item?: Item) => void): void;
  }

  /** The LevelDB (or memory-level) database under every sub-database, JSON-encoded. */
  export interface MainDb {
    open(): Promise<void>;
    get(key: string): Promise<unknown>;
    put(key: string, value: unknown): Promise<void>;
    del(key: string): Promise<void>;
    close(): Promise<void>;
  }

  export interface StoreOptions {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }

  export interface Store {
    options: StoreOptions & { maxItemSize: number };
    db: MainDb;
    getItemDb(tableName: string): ItemDb;
    getTable(
      tableName: string,
      checkStatus: boolean,
      callback: (err: Error | null | undefined, table?: TableDescription) => void,
    ): void;
  }

  export type ActionCallback = (err: Error | null | undefined, result?: DynaliteResult) => void;

  /** One of dynalite's operation handlers (actions/*.js). */
  export type DynaliteAction = (store: Store, request: DynaliteRequest, callback: ActionCallback) => void;

  export interface DynaliteDb {
    create(options: StoreOptions): Store;
    validateItem(item: Item, table: TableDescription): DynaliteError | null | undefined;
    validateKey(key: Item, table: TableDescription): DynaliteError | null | undefined;
    validateUpdates(
      attributeUpdates: undefined,
      expressionUpdates: ParsedExpression | undefined,
      table: TableDescription,
    ): DynaliteError | null | undefined;
    validateKeyPaths(
      nestedPaths: Record<string, boolean> | undefined,
      table: TableDescription,
    ): DynaliteError | null | undefined;
    createKey(item: Item, table: TableDescription): string;
    checkConditional(
      request: DynaliteRequest,
      existingItem: Item | undefined,
    ): DynaliteError | null | undefined;
    itemSize(item: Item): number;
  }

  const db: DynaliteDb;
  export default db;
}

declare module 'dynalite/validations/index.js' {
  import type { DynaliteRequest, Store } from 'dynalite/db/index.js';

  /** dynalite's declarative description of an operation's request fields. */
  export type TypeSpecs = Record<string, unknown>;
  export type CustomValidation = (request: DynaliteRequest, store: Store) => string | undefined;

  /** One of dynalite's per-operation validators (validations/*.js). */
  export interface OperationValidation {
    types: TypeSpecs;
    custom?: CustomValidation;
  }

  export interface DynaliteValidations {
    /** Coerces and filters a JSON body to the declared fields; throws a SerializationException error. */
    checkTypes(body: Record<string, unknown>, types: TypeSpecs): DynaliteRequest;
    /** Checks constraints, then the custom validation; throws a ValidationException error. */
    checkValidations(
      request: DynaliteRequest,
      types: TypeSpecs,
      custom: CustomValidation | undefined,
      store: Store,
    ): void;
  }

  const validations: DynaliteValidations;
  export default validations;
}

declare module 'dynalite/validations/*' {
  import type { OperationValidation } from 'dynalite/validations/index.js';

  const validation: OperationValidation;
  export default validation;
}

declare module 'dynalite/actions/*' {
  import type { DynaliteAction } from 'dynalite/db/index.js';

  const action: DynaliteAction;
  export default action;
}
