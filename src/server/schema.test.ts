import 'reflect-metadata';
import { Authorized, Field, ObjectType } from 'type-graphql';
import { plainFieldsAsProperties } from './schema';

describe('plain fields as properties', () => {
  it('refuses a plain field that carries @Authorized, naming it (it would be read without its check)', () => {
    @ObjectType()
    class Secretive {
      @Authorized('admin')
      @Field()
      secret!: string;
    }
    expect(Secretive).toBeDefined();
    expect(() => plainFieldsAsProperties()).toThrow('Secretive.secret: @Authorized / @UseMiddleware on a plain field is not supported');
  });
});
