import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { toGlobalId } from '../common/global-id';
import { ConnectionType, Node } from '../common/relay';
import { UserError } from '../common/user-error.type';
import { DatasetUpload } from './dataset-upload.entity';
import { Dataset } from './dataset.entity';
import type { SplitName } from './ingest';
import { partStatus, PartOutcome } from './split-files';

export enum DatasetTaskEnum {
  RECOMMENDATION = 'RECOMMENDATION',
  TRANSLATION = 'TRANSLATION',
  SUMMARIZATION = 'SUMMARIZATION',
  CLASSIFICATION = 'CLASSIFICATION',
}
export enum DatasetFormatEnum {
  CSV = 'CSV',
  TSV = 'TSV',
  JSONL = 'JSONL',
}
export enum DatasetStatusEnum {
  UPLOADING = 'UPLOADING',
  PROCESSING = 'PROCESSING',
  READY = 'READY',
  FAILED = 'FAILED',
}
export enum TextEncodingEnum {
  UTF_8 = 'utf-8',
  LATIN1 = 'latin1',
  WINDOWS_1252 = 'windows-1252',
}
registerEnumType(DatasetTaskEnum, { name: 'Task', description: 'What a dataset trains and a model does.' });
registerEnumType(DatasetFormatEnum, { name: 'DatasetFormat' });
registerEnumType(DatasetStatusEnum, { name: 'DatasetStatus', description: 'UPLOADING → PROCESSING → READY | FAILED' });
export enum DatasetSplitEnum {
  TRAIN = 'train',
  VALIDATION = 'validation',
  TEST = 'test',
}
export enum DatasetFileStatusEnum {
  WAITING = 'WAITING',
  RECEIVED = 'RECEIVED',
  FAILED = 'FAILED',
}
registerEnumType(TextEncodingEnum, { name: 'TextEncoding' });
registerEnumType(DatasetSplitEnum, { name: 'DatasetSplit', description: 'train, validation or test.' });
registerEnumType(DatasetFileStatusEnum, {
  name: 'DatasetFileStatus',
  description: 'WAITING (not sent yet, or still streaming) → RECEIVED (validated, waiting for the others or joined) | FAILED (refused: the dataset failed).',
});

/** A split as the API spells it everywhere (GraphQL enum values, the PUT answer): `TEST`, not the stored `test`. */
export const splitEnumName = (split: SplitName): string => split.toUpperCase();

@ObjectType({ description: 'One file of a split-file dataset: which split it holds and whether it is in.' })
export class DatasetFile {
  @Field(() => DatasetSplitEnum) split!: DatasetSplitEnum;
  @Field(() => DatasetFileStatusEnum) status!: DatasetFileStatusEnum;
  @Field(() => Int, { nullable: true, description: 'Valid rows of this file (RECEIVED only).' }) rowCount!: number | null;
  @Field(() => Float, { nullable: true, description: 'Bytes received, as sent (null while WAITING).' }) byteSize!: number | null;
  @Field(() => Date, { nullable: true, description: 'When the file was validated or refused (null while WAITING).' }) receivedAt!: Date | null;
  @Field({ description: 'When this file\'s upload URL expires: a file still WAITING then fails the dataset.' }) expiresAt!: Date;
}

export const presentDatasetFile = (u: DatasetUpload): DatasetFile => ({
  split: u.split as DatasetSplitEnum,
  status: partStatus(u) as DatasetFileStatusEnum,
  rowCount: u.result?.rowCount ?? null,
  byteSize: u.result?.byteSize ?? null,
  receivedAt: u.finishedAt,
  expiresAt: u.expiresAt,
});

@ObjectType({ description: 'A row the validator refused.' })
export class DatasetRowError {
  @Field(() => Int, { description: '1-based line of the file (of the record\'s first line for multi-line CSV records).' }) line!: number;
  @Field(() => String, { nullable: true }) field!: string | null;
  @Field() message!: string;
  @Field() code!: string;
  @Field(() => DatasetSplitEnum, { nullable: true, description: 'The split file the row is in (split-file datasets).' }) part?: DatasetSplitEnum | null;
}

@ObjectType()
export class DatasetSplits {
  @Field(() => Int) train!: number;
  @Field(() => Int) validation!: number;
  @Field(() => Int) test!: number;
}

@ObjectType('Dataset', { implements: Node, description: 'An uploaded file for one task, validated and split.' })
export class DatasetNode extends Node {
  rowId!: string;
  previewRows!: Record<string, unknown>[];
  /** Sent as one file per split (so `files` has something to show). */
  hasSplitFiles!: boolean;
  @Field() name!: string;
  @Field(() => DatasetTaskEnum) task!: DatasetTaskEnum;
  @Field(() => DatasetFormatEnum) format!: DatasetFormatEnum;
  @Field(() => DatasetStatusEnum) status!: DatasetStatusEnum;
  @Field(() => Int, { nullable: true, description: 'Valid rows (READY only).' }) rowCount!: number | null;
  @Field(() => Float, { nullable: true, description: 'Bytes received, as sent (before gunzip).' }) byteSize!: number | null;
  @Field(() => String, { nullable: true, description: 'Hex SHA-256 of the bytes as sent.' }) sha256!: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Task statistics (users/items/ratings, length percentiles, label distribution).' }) stats!: Record<string, unknown> | null;
  @Field(() => DatasetSplits, { nullable: true, description: 'Rows per split: seeded ratios, the split column, or the split files.' }) splits!: DatasetSplits | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Which source column each field came from.' }) columnMapping!: Record<string, string> | null;
  @Field(() => GraphQLJSONObject, { description: 'Parsing options the dataset was created with.' }) options!: Record<string, unknown>;
  @Field(() => [DatasetRowError], { description: `The first ${100} row errors (see errorCount for all).` }) errors!: DatasetRowError[];
  @Field(() => Int) errorCount!: number;
  @Field(() => String, { nullable: true, description: 'Why the dataset FAILED, in one sentence.' }) failureReason!: string | null;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) readyAt!: Date | null;
}

export const DatasetConnection = ConnectionType('Dataset', DatasetNode);

export const presentDataset = (d: Dataset): DatasetNode =>
  Object.assign(new DatasetNode(), {
    id: toGlobalId('Dataset', d.id),
    rowId: d.id,
    previewRows: d.preview ?? [],
    hasSplitFiles: Array.isArray(d.options.splitFiles),
    name: d.name,
    task: d.task as DatasetTaskEnum,
    format: d.format as DatasetFormatEnum,
    status: d.status as DatasetStatusEnum,
    rowCount: d.rowCount,
    byteSize: d.byteSize,
    sha256: d.sha256,
    stats: d.stats as Record<string, unknown> | null,
    splits: d.splitCounts,
    columnMapping: d.columnMapping,
    options: presentOptions(d.options),
    errors: d.errors,
    errorCount: d.errorCount,
    failureReason: d.failureReason,
    createdAt: d.createdAt,
    readyAt: d.readyAt,
  });

/** The options as the caller gave them: `splitFiles` in the input's enum spelling (`TRAIN`), not as stored. */
function presentOptions(options: Record<string, unknown>): Record<string, unknown> {
  const { splitFiles } = options;
  return Array.isArray(splitFiles) ? { ...options, splitFiles: splitFiles.map((s: SplitName) => splitEnumName(s)) } : options;
}

/**
 * What the PUT of an upload answers, so a script needs no second call to learn the outcome. Splits
 * are spelled as in GraphQL (`TEST`); the messages stay human ("test file, line 3: …").
 */
export function presentUploadAnswer(d: Dataset, part: PartOutcome | undefined) {
  return {
    dataset: {
      id: toGlobalId('Dataset', d.id),
      status: d.status,
      rowCount: d.rowCount,
      byteSize: d.byteSize,
      sha256: d.sha256,
      splits: d.splitCounts,
      errorCount: d.errorCount,
      errors: (d.errors ?? []).map((e) => (e.part ? { ...e, part: splitEnumName(e.part) } : e)),
      failureReason: d.failureReason,
    },
    ...(part ? { part: { ...part, split: splitEnumName(part.split), waitingFor: part.waitingFor.map(splitEnumName) } } : {}),
  };
}

@InputType()
export class SplitRatiosInput {
  @Field(() => Float) train!: number;
  @Field(() => Float) validation!: number;
  @Field(() => Float) test!: number;
}

@InputType({ description: 'How to read the file. Everything is optional: formats and headers are detected.' })
export class DatasetOptionsInput {
  @Field(() => TextEncodingEnum, { nullable: true, description: 'Default utf-8 (a BOM is skipped).' }) encoding?: TextEncodingEnum;
  @Field(() => String, { nullable: true, description: 'Overrides the format\'s delimiter, e.g. "@" for `sentence@label` files.' }) delimiter?: string;
  @Field(() => Boolean, { nullable: true, description: 'Default: detected from the first row.' }) hasHeader?: boolean;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Field → source column name or 0-based index, e.g. {"userId": "user", "itemId": "1"}.' }) columns?: Record<string, string>;
  @Field(() => SplitRatiosInput, { nullable: true, description: 'Default 0.8 / 0.1 / 0.1.' }) splits?: SplitRatiosInput;
  @Field(() => Int, { nullable: true, description: 'Seed of the split assignment (default 42).' }) seed?: number;
  @Field(() => String, {
    nullable: true,
    description: 'Your own split per row instead of ratios: a header name or 0-based index (CSV/TSV) or a key (JSONL) whose values are '
      + 'train/training, validation/valid/val/dev/validate or test/testing (any case). Not a task field. Train and test must not be empty.',
  }) splitColumn?: string;
}

@InputType()
export class CreateDatasetUploadInput {
  @Field() name!: string;
  @Field(() => DatasetTaskEnum) task!: DatasetTaskEnum;
  @Field(() => DatasetFormatEnum) format!: DatasetFormatEnum;
  @Field(() => Float, { nullable: true, description: 'Size you will send, if known: refused at once when over quota.' }) byteSize?: number;
  @Field(() => String, { nullable: true }) contentType?: string;
  @Field(() => DatasetOptionsInput, { nullable: true }) options?: DatasetOptionsInput;
  @Field(() => [DatasetSplitEnum], {
    nullable: true,
    description: 'One file per split instead of one file: the splits you will send (TRAIN and TEST required, VALIDATION optional). '
      + 'The payload\'s `uploads` then has one URL per split; the dataset is READY when all are in.',
  }) splitFiles?: DatasetSplitEnum[];
}

@ObjectType({ description: 'Where and how to send the bytes: one PUT, before expiresAt.' })
export class DatasetUploadTarget {
  @Field(() => ID) id!: string;
  @Field({ description: 'Single-use URL (its token is the permission).' }) url!: string;
  @Field() method!: string;
  @Field(() => GraphQLJSONObject, { description: 'Headers to send with the PUT.' }) headers!: Record<string, string>;
  @Field() expiresAt!: Date;
  @Field(() => Float, { description: 'The most bytes this upload accepts (for split files: all files together).' }) maxBytes!: number;
  @Field(() => DatasetSplitEnum, { nullable: true, description: 'The split this file holds (split files); null for a single file.' }) split!: DatasetSplitEnum | null;
}

@ObjectType()
export class CreateDatasetUploadPayload {
  @Field(() => DatasetUploadTarget, { nullable: true, description: 'Where to send the file (null with splitFiles: see uploads).' }) upload!: DatasetUploadTarget | null;
  @Field(() => [DatasetUploadTarget], { description: 'Every URL to send a file to: the one upload, or one per split with splitFiles.' }) uploads!: DatasetUploadTarget[];
  @Field(() => DatasetNode, { nullable: true }) dataset!: DatasetNode | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class DeleteDatasetPayload {
  @Field(() => ID, { nullable: true }) deletedDatasetId!: string | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@InputType()
export class DatasetFilter {
  @Field(() => DatasetTaskEnum, { nullable: true }) task?: DatasetTaskEnum;
  @Field(() => DatasetStatusEnum, { nullable: true }) status?: DatasetStatusEnum;
}
