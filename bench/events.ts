import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { HttpEvent } from '../functions/lib/http.js';
import { buildHttpEvent, newRequestId } from '../local/apigw-v2.js';

/** A web-form submission body, as the public contact form posts it. */
export interface WebFormBody {
  readonly email?: string;
  readonly phone?: string;
  readonly name?: string;
  readonly subject?: string;
  readonly message: string;
  readonly submissionId?: string;
  readonly formId?: string;
}

const BROWSER =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

/**
 * The event API Gateway (HTTP API, payload 2.0) delivers for a form post, built by the local gateway's
 * event builder with the headers a browser and API Gateway add (see events/http/webform-submission.json).
 */
export function webFormEvent(body: WebFormBody, timeEpoch: number): HttpEvent {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  return buildHttpEvent(
    {
      method: 'POST',
      url: '/v1/channels/webform',
      headers: [
        ['accept', 'application/json'],
        ['content-length', String(payload.length)],
        ['content-type', 'application/json'],
        ['host', 'abc123defg.execute-api.us-east-1.amazonaws.com'],
        ['origin', 'https://www.example.com'],
        ['user-agent', BROWSER],
        ['x-amzn-trace-id', 'Root=1-6745f1a2-3b1c2d4e5f60718293a4b5c6'],
        ['x-forwarded-for', '203.0.113.24'],
        ['x-forwarded-port', '443'],
        ['x-forwarded-proto', 'https'],
      ],
      body: payload,
      sourceIp: '203.0.113.24',
      protocol: 'HTTP/1.1',
    },
    {
      routeKey: 'POST /v1/channels/webform',
      requestId: newRequestId(),
      timeEpoch,
      apiId: 'abc123defg',
      accountId: '123456789012',
    },
  );
}

/** The event the SQS event source mapping delivers for messages it received from a queue. */
export function sqsEvent(messages: readonly Message[], queueArn: string, region: string): SQSEvent {
  return { Records: messages.map((message) => sqsRecord(message, queueArn, region)) };
}

function sqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const now = String(Date.now());
  return {
    messageId: required(message.MessageId, 'MessageId'),
    receiptHandle: required(message.ReceiptHandle, 'ReceiptHandle'),
    body: required(message.Body, 'Body'),
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? now,
      SenderId: attributes.SenderId ?? 'AROAEXAMPLE:carebridge-webform',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? now,
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function required(value: string | undefined, field: string): string {
  if (value === undefined) throw new Error(`the received SQS message has no ${field}`);
  return value;
}
