import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  compileEventPattern,
  compileFilterCriteria,
  InvalidEventPatternError,
} from '../../local/event-pattern.js';

const conversationOpened = {
  version: '0',
  id: 'e-1',
  'detail-type': 'conversation.opened',
  source: 'carebridge.conversations',
  account: '000000000000',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { conversationId: 'c-1', tier: 2, channel: 'email', tags: ['vip', 'billing'], assignee: null },
};

const streamRecord = {
  eventName: 'MODIFY',
  dynamodb: {
    Keys: { pk: { S: 'CONV#c-1' }, sk: { S: 'CONV' } },
    NewImage: { pk: { S: 'CONV#c-1' }, sk: { S: 'CONV' }, status: { S: 'open' } },
    OldImage: { pk: { S: 'CONV#c-1' }, sk: { S: 'CONV' } },
  },
};

describe('event patterns', () => {
  it('matches exact values of source, detail-type and detail fields', () => {
    // Prepare
    const matches = compileEventPattern({
      source: ['carebridge.conversations'],
      'detail-type': ['conversation.opened', 'conversation.assigned'],
      detail: { channel: ['email'], tier: [2] },
    });

    // Act & Assess
    expect(matches(conversationOpened)).toBe(true);
    expect(matches({ ...conversationOpened, source: 'carebridge.customers' })).toBe(false);
    expect(matches({ ...conversationOpened, detail: { ...conversationOpened.detail, tier: 3 } })).toBe(false);
  });

  it('matches prefixes, suffixes, case-insensitive values and wildcards', () => {
    expect(compileEventPattern({ 'detail-type': [{ prefix: 'conversation.' }] })(conversationOpened)).toBe(
      true,
    );
    expect(compileEventPattern({ 'detail-type': [{ prefix: 'customer.' }] })(conversationOpened)).toBe(false);
    expect(compileEventPattern({ 'detail-type': [{ suffix: '.opened' }] })(conversationOpened)).toBe(true);
    expect(
      compileEventPattern({ detail: { channel: [{ 'equals-ignore-case': 'EMAIL' }] } })(conversationOpened),
    ).toBe(true);
    expect(compileEventPattern({ source: [{ wildcard: 'carebridge.*' }] })(conversationOpened)).toBe(true);
  });

  it('matches any element of an array in the event', () => {
    expect(compileEventPattern({ detail: { tags: ['billing'] } })(conversationOpened)).toBe(true);
    expect(compileEventPattern({ detail: { tags: ['sales'] } })(conversationOpened)).toBe(false);
  });

  it('tests existence, null, anything-but and numeric ranges', () => {
    expect(compileEventPattern({ detail: { tier: [{ exists: true }] } })(conversationOpened)).toBe(true);
    expect(compileEventPattern({ detail: { closedAt: [{ exists: false }] } })(conversationOpened)).toBe(true);
    expect(compileEventPattern({ detail: { tier: [{ exists: false }] } })(conversationOpened)).toBe(false);
    expect(compileEventPattern({ detail: { assignee: [null] } })(conversationOpened)).toBe(true);
    expect(
      compileEventPattern({ detail: { channel: [{ 'anything-but': ['sms', 'chat'] }] } })(conversationOpened),
    ).toBe(true);
    expect(
      compileEventPattern({ detail: { channel: [{ 'anything-but': 'email' }] } })(conversationOpened),
    ).toBe(false);
    expect(
      compileEventPattern({ detail: { tier: [{ numeric: ['>', 1, '<=', 3] }] } })(conversationOpened),
    ).toBe(true);
    expect(compileEventPattern({ detail: { tier: [{ numeric: ['>=', 3] }] } })(conversationOpened)).toBe(
      false,
    );
  });

  it('accepts a pattern as JSON text and $or between sub-patterns', () => {
    const matches = compileEventPattern(
      JSON.stringify({ $or: [{ detail: { channel: ['sms'] } }, { detail: { tier: [2] } }] }),
    );
    expect(matches(conversationOpened)).toBe(true);
  });

  it('refuses what is not pattern syntax', () => {
    expect(() => compileEventPattern({ source: 'carebridge.conversations' })).toThrow(
      InvalidEventPatternError,
    );
    expect(() => compileEventPattern({ source: [] })).toThrow(InvalidEventPatternError);
    expect(() => compileEventPattern({ source: [{ regex: '.*' }] })).toThrow(InvalidEventPatternError);
    expect(() => compileEventPattern({ detail: { tier: [{ exists: 'yes' }] } })).toThrow(
      InvalidEventPatternError,
    );
    expect(() => compileEventPattern('{not json')).toThrow(InvalidEventPatternError);
    expect(() => compileEventPattern(['carebridge'])).toThrow(InvalidEventPatternError);
  });
});

describe('Lambda filter criteria', () => {
  it('applies the filters CDK makes with FilterCriteria and FilterRule to stream records', () => {
    // Prepare
    const byPrefix = FilterCriteria.filter({
      dynamodb: { Keys: { pk: { S: FilterRule.beginsWith('CONV#') } } },
    });
    const byEvent = FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT') });
    const byStatus = FilterCriteria.filter({
      dynamodb: { NewImage: { status: { S: FilterRule.exists() } } },
    });
    const withoutStatus = FilterCriteria.filter({
      dynamodb: { OldImage: { status: { S: FilterRule.notExists() } } },
    });
    const notClosed = FilterCriteria.filter({
      dynamodb: { NewImage: { status: { S: FilterRule.notEquals('closed') } } },
    });

    // Act & Assess
    expect(compileFilterCriteria([byPrefix])(streamRecord)).toBe(true);
    expect(compileFilterCriteria([byEvent])(streamRecord)).toBe(false);
    expect(compileFilterCriteria([byStatus])(streamRecord)).toBe(true);
    expect(compileFilterCriteria([withoutStatus])(streamRecord)).toBe(true);
    expect(compileFilterCriteria([notClosed])(streamRecord)).toBe(true);
    expect(compileFilterCriteria([byEvent, byPrefix])(streamRecord)).toBe(true);
    expect(
      compileFilterCriteria([{ Pattern: JSON.stringify({ eventName: ['MODIFY'] }) }])(streamRecord),
    ).toBe(true);
    expect(compileFilterCriteria([])(streamRecord)).toBe(true);
  });

  it('tests existence on leaf values: an attribute value object is matched through its type field', () => {
    expect(
      compileFilterCriteria([{ dynamodb: { NewImage: { status: [{ exists: true }] } } }])(streamRecord),
    ).toBe(false);
  });
});
