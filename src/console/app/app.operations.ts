import { graphql } from '../gql';

/** Who is signed in, for which tenant, with which role: drives the layout and what each page offers. */
export const ViewerDocument = graphql(`
  query Viewer {
    viewer {
      user { id email }
      role
      scopes
      tenant { id name plan }
      tenants { id name }
    }
  }
`);

export const AcceptInvitationDocument = graphql(`
  mutation AcceptInvitation($token: String!) {
    acceptInvitation(token: $token) {
      tenant { id name }
      userErrors { field message code }
    }
  }
`);
