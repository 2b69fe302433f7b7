import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type KbIndex, knowledgeBaseIndex, meetsThresholds, searchTerms } from '../../shared/kb/search.js';
import { type KbArticle, KbArticleCreateSchema } from '../../shared/schemas/index.js';
import { loadEvent } from '../support/events.js';

/**
 * The e-level's search over the seeded knowledge base (events/kb): the standard questions customers ask
 * find their article and pass the default thresholds; concerns the articles do not answer do not.
 */

const fixtures = readdirSync(fileURLToPath(new URL('../../events/kb/', import.meta.url)))
  .filter((name) => name.endsWith('.json'))
  .sort();

/** The seeded articles as the store would hold them after `POST /v1/kb/articles`. */
function seededArticles(): KbArticle[] {
  return fixtures.map((fixture, index) => ({
    ...KbArticleCreateSchema.parse(loadEvent(`kb/${fixture}`)),
    articleId: `01JDQ3V9XK4T2B7Y8Z0M5N6P${String(index).padStart(2, '0')}`,
    createdAt: '2026-11-01T10:00:00.000Z',
    updatedAt: '2026-11-01T10:00:00.000Z',
  }));
}

const index: KbIndex = knowledgeBaseIndex(seededArticles());

describe('the seeded knowledge base', () => {
  it('holds 5 to 8 published articles, each a valid create request', () => {
    // Act
    const articles = seededArticles();

    // Assess
    expect(articles.length).toBeGreaterThanOrEqual(5);
    expect(articles.length).toBeLessThanOrEqual(8);
    expect(articles.every((article) => article.status === 'published')).toBe(true);
    expect(new Set(articles.map((article) => article.title)).size).toBe(articles.length);
  });
});

describe('answering standard questions', () => {
  it.each([
    ['How do I reset my password?', 'Resetting your password'],
    ['I forgot my password and cannot log in', 'Resetting your password'],
    [
      "Hi, I forgot my password and can't sign in to my account anymore. How can I reset it? Thanks, Ada",
      'Resetting your password',
    ],
    ['How do I change my password?', 'Resetting your password'],
    ['What are your opening hours?', 'Opening hours of customer service'],
    ['Are you open on Sundays?', 'Opening hours of customer service'],
    ['Until what time can I reach you on Saturday?', 'Opening hours of customer service'],
    ['Where is my order?', 'Tracking your order and delivery times'],
    [
      'Where is my parcel? I ordered last week and it has not arrived',
      'Tracking your order and delivery times',
    ],
    ['How long does shipping take?', 'Tracking your order and delivery times'],
    [
      'My package has not arrived yet, can you give me the tracking number?',
      'Tracking your order and delivery times',
    ],
    ['How can I return an item?', 'Returning an item'],
    ['I want to return the shoes, they are the wrong size', 'Returning an item'],
    ["I can't find the return label in the parcel", 'Returning an item'],
    ['How do I change my email address?', 'Changing the email address of your account'],
    ['Can I change the e-mail I use to log in?', 'Changing the email address of your account'],
    ['How do I delete my account and all my personal data?', 'Deleting your account and personal data'],
    ['I want you to erase all my personal data (GDPR)', 'Deleting your account and personal data'],
    ['Which payment methods do you accept?', 'Payment methods we accept'],
    ['Can I pay with PayPal?', 'Payment methods we accept'],
    ['Can I change my delivery address?', 'Changing the delivery address of an order'],
    ['I moved house, can you send my order to my new address?', 'Changing the delivery address of an order'],
  ])('answers "%s" with "%s"', (question, title) => {
    // Act
    const match = index.best(question);

    // Assess
    expect(match?.article.title).toBe(title);
    expect(meetsThresholds(match)).toBe(true);
  });

  it('matches a question to its article whatever the case, accents and plural or verb forms', () => {
    // Act
    const plain = index.best('reset password');
    const varied = index.best('RÉSETTING PASSWORDS');

    // Assess
    expect(varied?.article.articleId).toBe(plain?.article.articleId);
    expect(varied?.coverage).toBe(1);
  });
});

describe('leaving other concerns to people', () => {
  it.each([
    'my invoice was charged twice',
    'the app crashes when I upload',
    'I was charged twice for my order, please refund',
    'The app crashes when I upload a photo of my receipt',
    'Why was my card declined?',
    'I received a damaged item',
    'I never received my refund',
    'Do you sell gift cards?',
    'Please send me a copy of my invoice',
    'I want to cancel my order',
    'My account was hacked',
    'I want to speak to a human',
    'Do you have this jacket in blue?',
    'How much does the premium plan cost?',
  ])('does not answer "%s"', (message) => {
    // Act
    const match = index.best(message);

    // Assess
    expect(meetsThresholds(match)).toBe(false);
  });

  it.each(['', '   ', 'hi', 'Thanks!', '?', 'ok thanks', 'password', '12345'])(
    'finds nothing for the empty or very short text %j',
    (text) => {
      // Act
      const match = index.best(text);

      // Assess
      expect(match).toBeUndefined();
    },
  );

  it('finds nothing in an empty knowledge base', () => {
    // Act
    const match = knowledgeBaseIndex([]).best('How do I reset my password?');

    // Assess
    expect(match).toBeUndefined();
  });
});

describe('score and coverage', () => {
  it("gives as coverage the share of the message's distinct search terms the article matched", () => {
    // Act
    const match = index.best('reset password password zanzibar');

    // Assess: reset and password matched, zanzibar not; the repeat counts once.
    expect(match?.article.title).toBe('Resetting your password');
    expect(match?.coverage).toBeCloseTo(2 / 3);
  });

  it('leaves stop words and courtesies out of the search terms', () => {
    // Act
    const terms = searchTerms('Hello! Could you please tell me how I can reset my password? Thanks');

    // Assess
    expect(terms).toEqual(['reset', 'password']);
  });

  it('scores a title or keyword match above the same words in a body alone', () => {
    // Prepare
    const articles = seededArticles();
    const [first, second] = articles;
    if (!first || !second) throw new Error('the seed has articles');
    const inTitle = { ...first, title: 'Gift vouchers', keywords: [], body: 'Ask us.' };
    const inBody = { ...second, title: 'Presents', keywords: [], body: 'We sell gift vouchers.' };

    // Act
    const match = knowledgeBaseIndex([inBody, inTitle]).best('gift vouchers please');

    // Assess
    expect(match?.article.title).toBe('Gift vouchers');
  });
});
