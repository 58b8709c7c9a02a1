import { graphql } from '../../gql';

export const MembersDocument = graphql(`
  query Members {
    viewer {
      role
      user { id }
      tenant {
        id
        members(first: 100) { nodes { id role createdAt user { id email } } }
        invitations(first: 100) { nodes { id email role createdAt expiresAt acceptedAt } }
      }
    }
  }
`);

export const InviteMemberDocument = graphql(`
  mutation InviteMember($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      invitation { id email role expiresAt }
      token
      userErrors { field message code }
    }
  }
`);

export const UpdateMemberRoleDocument = graphql(`
  mutation UpdateMemberRole($input: UpdateMemberRoleInput!) {
    updateMemberRole(input: $input) {
      membership { id role }
      userErrors { field message code }
    }
  }
`);

export const RemoveMemberDocument = graphql(`
  mutation RemoveMember($id: ID!) {
    removeMember(id: $id) {
      membership { id }
      userErrors { field message code }
    }
  }
`);
