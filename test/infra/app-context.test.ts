import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readAppContext } from '../../infra/lib/app-context.js';

describe('readAppContext', () => {
  it('defaults to the dev stage without a phone region', () => {
    expect(readAppContext(new App())).toEqual({ stage: 'dev' });
  });

  it('reads the stage and phone region from context', () => {
    const app = new App({ context: { stage: 'prod-eu', phoneRegion: 'DE' } });

    expect(readAppContext(app)).toEqual({ stage: 'prod-eu', phoneRegion: 'DE' });
  });

  it.each(['Prod', '1prod', 'p', 'prod_eu', 'a-stage-name-too-long', ''])('rejects the stage %j', (stage) => {
    expect(() => readAppContext(new App({ context: { stage } }))).toThrow(/context stage must be/);
  });

  it.each(['de', 'DEU', 'D1'])('rejects the phone region %j', (phoneRegion) => {
    expect(() => readAppContext(new App({ context: { phoneRegion } }))).toThrow(
      /context phoneRegion must be/,
    );
  });
});
