import 'reflect-metadata';
import { Authorized, Field, ObjectType } from 'type-graphql';
import { plainFieldsAsProperties } from './schema';

describe('plain fields as properties', () => {
  it('refuses a plain field renamed in the schema (graphql-js would read the wrong property)', () => {
    @ObjectType()
    class Renamed {
      @Field({ name: 'label' })
      title!: string;
    }
    expect(Renamed).toBeDefined();
    expect(() => plainFieldsAsProperties()).toThrow('Renamed.title: a plain field cannot be renamed in the schema ("label")');
  });

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
