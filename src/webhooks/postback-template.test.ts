import { describe, expect, it } from 'vitest';
import { MACROS, macroValues, renderTemplate, templateProblem } from './postback-template.ts';

const event = {
  subject_type: 'customer',
  subject_id: 'C-9',
  data: {
    partner_id: 'P-1',
    click_id: 'a b&c=d/é?#',
    campaign_id: 'spring 2026',
    sub_id: '{sub}',
    amount: '250.00',
    currency: 'USD',
    transaction_id: 'T-1',
    email: 'trader@example.com',
    first_name: 'Ann',
    phone: '+44 20 7946 0000',
    nested: { x: 1 },
  },
};

describe('postback templates', () => {
  it('fills every macro with its URL-encoded value', () => {
    const url = renderTemplate(
      'https://t.example.com/pb?cid={click_id}&c={campaign_id}&s={sub_id}&e={event}&a={amount}&cur={currency}&p={partner_id}&tx={transaction_id}&u={customer_id}',
      macroValues('ftd', event),
    );
    expect(url).toBe(
      'https://t.example.com/pb?cid=a%20b%26c%3Dd%2F%C3%A9%3F%23&c=spring%202026&s=%7Bsub%7D&e=ftd&a=250.00&cur=USD&p=P-1&tx=T-1&u=C-9',
    );
    const params = new URL(url).searchParams;
    expect(params.get('cid')).toBe('a b&c=d/é?#');
    expect([...params.keys()]).toHaveLength(9);
  });

  it('fills macros in the path too, and leaves a missing value empty', () => {
    expect(renderTemplate('https://t.example.com/{partner_id}/conv?sub={sub_id}', macroValues('registration', { ...event, data: { partner_id: 'P 1' } }))).toBe(
      'https://t.example.com/P%201/conv?sub=',
    );
  });

  it('has no macro for personal data', () => {
    expect(MACROS).not.toContain('email');
    const values = Object.values(macroValues('registration', event)).join(' ');
    expect(values).not.toMatch(/trader@example.com|Ann|7946/);
    expect(templateProblem('https://t.example.com/?e={email}&n={first_name}')).toMatch(/unknown macro\(s\) \{email\}, \{first_name\}/);
  });

  it.each([
    ['https://{partner_id}.example.com/pb', /host/],
    ['https://t.example.com:{amount}/pb', /host/],
    ['ftp://t.example.com/{click_id}', /only http and https/],
    ['t.example.com/?c={click_id}', /absolute URL/],
    ['https://t.example.com/?c={clickid}', /unknown macro/],
  ])('refuses %s', (template, problem) => {
    expect(templateProblem(template)).toMatch(problem);
  });

  it('accepts a template using every macro', () => {
    expect(templateProblem(`https://t.example.com/pb?${MACROS.map((m) => `${m}={${m}}`).join('&')}`)).toBeUndefined();
  });
});
