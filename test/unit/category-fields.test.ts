import { describe, expect, it } from 'vitest';
import { checkFieldDefinitions, fieldValuesInText, MAX_FIELD_VALUE_LENGTH } from '../../src/tickets/category-fields.js';
import type { FieldError } from '../../src/queues/create-queue.js';

const FIELDS = [
  { name: 'instanceId', label: 'Instance ID' },
  { name: 'region', label: 'Region' },
];
const found = (text: string) => Object.fromEntries(fieldValuesInText(FIELDS, text));

describe('category field values in mail text', () => {
  it('reads "Label: value" and "name: value" lines in any case, after a bullet, first line wins', () => {
    expect(found('Hi,\n\n* INSTANCE ID:i-1\nregion : eu-west-1\nInstance ID: i-2')).toEqual({ instanceId: 'i-1', region: 'eu-west-1' });
    expect(found('instanceid: i-3\r\n')).toEqual({ instanceId: 'i-3' });
    expect(found('• Region:   us-east-1   ')).toEqual({ region: 'us-east-1' });
  });

  it('ignores other labels, empty values, text around a label and fields the category lacks', () => {
    expect(found('My Instance ID: i-1\nRegion:\nRegion:   \nZone: b\nSee https://x.test/a:b')).toEqual({});
    expect(fieldValuesInText([], 'Instance ID: i-1').size).toBe(0);
  });

  it('cuts long values, turns control characters into spaces, and reads only the start of huge text', () => {
    expect(found(`Region: ${'r'.repeat(MAX_FIELD_VALUE_LENGTH + 50)}`).region).toHaveLength(MAX_FIELD_VALUE_LENGTH);
    expect(found('Region: eu\u0000\u0007west').region).toBe('eu west');
    expect(found(`${'x'.repeat(200_000)}\nRegion: late`)).toEqual({});
  });
});

describe('category field definitions', () => {
  it('trims names and labels and reports each problem with its path', () => {
    const problems: FieldError[] = [];
    expect(checkFieldDefinitions([{ name: ' instanceId ', label: ' Instance ID ' }], problems)).toEqual([{ name: 'instanceId', label: 'Instance ID' }]);
    expect(problems).toEqual([]);
    checkFieldDefinitions(
      [
        { name: 'a', label: 'A' },
        { name: 'b', label: 'a' }, // a label that is another field's name would start the same mail line
        { name: 'bad name', label: '' },
      ],
      problems,
    );
    expect(problems.map((p) => p.field.join('.'))).toEqual(['fields.1.label', 'fields.2.name', 'fields.2.label']);
  });
});
