import { type Opt } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** Settings every instance must share, e.g. the generated Message-ID HMAC key. */
@Entity({ tableName: 'app_setting' })
export class AppSetting {
  @PrimaryKey({ type: 'string', length: 64 })
  key: string;

  @Property({ type: 'text' })
  value: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  constructor(key: string, value: string) {
    this.key = key;
    this.value = value;
  }
}
