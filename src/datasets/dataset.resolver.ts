import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AppError, toPayload } from '../common/errors';
import { PageArgs } from '../common/relay';
import { Context, principalOf, tenantManager } from '../server/context';
import {
  CreateDatasetUploadInput,
  CreateDatasetUploadPayload,
  DatasetConnection,
  DatasetFile,
  DatasetFilter,
  DatasetNode,
  DatasetSplitEnum,
  DatasetUploadTarget,
  DeleteDatasetPayload,
  presentDataset,
  presentDatasetFile,
} from './dataset.types';

export const MAX_PREVIEW_ROWS = 20;

@Resolver(() => DatasetNode)
export class DatasetResolver {
  @Authorized('datasets:write')
  @Mutation(() => CreateDatasetUploadPayload, { description: 'Create a dataset and a single-use URL to PUT its file to.' })
  async createDatasetUpload(@Arg('input') input: CreateDatasetUploadInput, @Ctx() ctx: Context): Promise<CreateDatasetUploadPayload> {
    const m = await tenantManager(ctx);
    return toPayload(async () => {
      const { dataset, uploads } = await ctx.services.datasets.createDatasetUpload(m, principalOf(ctx), input);
      const targets = uploads.map(({ upload, token }): DatasetUploadTarget => ({
        id: upload.id,
        url: `${ctx.publicUrl}/uploads/${upload.id}?token=${token}`,
        method: 'PUT',
        headers: { 'content-type': input.contentType ?? 'application/octet-stream' },
        expiresAt: upload.expiresAt,
        maxBytes: upload.maxBytes,
        split: upload.split as DatasetSplitEnum | null,
      }));
      return { dataset: presentDataset(dataset), upload: input.splitFiles ? null : targets[0], uploads: targets };
    }, { dataset: null, upload: null, uploads: [] });
  }

  @Authorized('datasets:read')
  @Query(() => DatasetConnection, { description: 'The tenant\'s datasets, oldest first.' })
  async datasets(@Args() page: PageArgs, @Arg('filter', () => DatasetFilter, { nullable: true }) filter: DatasetFilter | null, @Ctx() ctx: Context) {
    return ctx.services.datasets.listDatasets(await tenantManager(ctx), page, filter, presentDataset);
  }

  @Authorized('datasets:read')
  @Query(() => DatasetNode, { nullable: true, description: 'One dataset. Missing and foreign IDs are both NOT_FOUND.' })
  async dataset(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<DatasetNode> {
    return presentDataset(await ctx.services.datasets.getDataset(await tenantManager(ctx), id));
  }

  @Authorized('datasets:write')
  @Mutation(() => DeleteDatasetPayload, { description: 'Delete a dataset and its stored file.' })
  async deleteDataset(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<DeleteDatasetPayload> {
    const m = await tenantManager(ctx);
    return toPayload(async () => {
      await ctx.services.datasets.deleteDataset(m, id);
      return { deletedDatasetId: id };
    }, { deletedDatasetId: null });
  }

  @FieldResolver(() => [DatasetFile], {
    nullable: true,
    description: 'The files of a split-file dataset, one per split in the order TRAIN, VALIDATION, TEST, and whether each is in; '
      + 'null for a dataset sent as one file.',
  })
  async files(@Root() dataset: DatasetNode, @Ctx() ctx: Context): Promise<DatasetFile[] | null> {
    if (!dataset.hasSplitFiles) return null;
    return (await ctx.loaders.datasetFiles.load(dataset.rowId)).map(presentDatasetFile);
  }

  @FieldResolver(() => [GraphQLJSONObject], { description: `The first rows, as stored (canonical fields and split), up to ${MAX_PREVIEW_ROWS}.` })
  preview(@Root() dataset: DatasetNode, @Arg('limit', () => Int, { defaultValue: 10 }) limit: number): Record<string, unknown>[] {
    if (limit < 0 || limit > MAX_PREVIEW_ROWS) throw new AppError('BAD_USER_INPUT', `limit must be between 0 and ${MAX_PREVIEW_ROWS}`, { field: 'limit' });
    return dataset.previewRows.slice(0, limit);
  }
}
