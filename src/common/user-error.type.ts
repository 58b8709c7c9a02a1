import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A problem with the input that the caller can fix.' })
export class UserError {
  @Field(() => [String], { nullable: true, description: 'Path to the input field, e.g. ["input", "scopes", "1"]; null when not tied to one field.' })
  field!: string[] | null;

  @Field({ description: 'What is wrong, for people.' })
  message!: string;

  @Field({ description: 'What is wrong, for programs (e.g. INVALID, NOT_FOUND, CONFLICT, INVALID_EMAIL).' })
  code!: string;
}
