import { Field, Float, ObjectType } from 'type-graphql';
import { ModelVersionNode } from '../models/model.types';

@ObjectType()
export class ScoredItem {
  @Field() itemId!: string;
  @Field(() => Float, { description: 'Predicted rating (explicit feedback) or preference score (implicit).' }) score!: number;
}

@ObjectType()
export class RecommendationResult {
  @Field(() => ModelVersionNode, { description: 'The version that answered.' }) modelVersion!: ModelVersionNode;
  @Field(() => [ScoredItem], { description: 'Best first.' }) items!: ScoredItem[];
  @Field({ description: 'The user was not in the training data: these are the most popular items.' }) coldStart!: boolean;
}

@ObjectType()
export class TranslationResult {
  @Field(() => ModelVersionNode) modelVersion!: ModelVersionNode;
  @Field(() => [String], { description: 'In input order.' }) translations!: string[];
  @Field(() => [Boolean], { description: 'Per input: true when it was longer than the model reads and only its head was translated.' }) truncated!: boolean[];
}

@ObjectType()
export class SummarizationResult {
  @Field(() => ModelVersionNode) modelVersion!: ModelVersionNode;
  @Field(() => [String], { description: 'In input order.' }) summaries!: string[];
  @Field(() => [Boolean], { description: 'Per input: true when only its head was read.' }) truncated!: boolean[];
}

@ObjectType()
export class LabelScore {
  @Field() label!: string;
  @Field(() => Float) score!: number;
}

@ObjectType()
export class ClassPredictionType {
  @Field({ description: 'The most probable label.' }) label!: string;
  @Field(() => Float, { description: 'Its probability.' }) score!: number;
  @Field(() => [LabelScore], { description: 'Every label with its probability (they sum to 1), most probable first.' }) scores!: LabelScore[];
  @Field({ description: 'The text was longer than the model reads; only its head was classified.' }) truncated!: boolean;
}

@ObjectType()
export class ClassificationResult {
  @Field(() => ModelVersionNode) modelVersion!: ModelVersionNode;
  @Field(() => [ClassPredictionType], { description: 'In input order.' }) predictions!: ClassPredictionType[];
}
