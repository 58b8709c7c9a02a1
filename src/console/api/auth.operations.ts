import { graphql } from '../gql';

export const SignUpDocument = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      token
      refreshToken
      expiresAt
      user { id email }
      tenant { id name }
      userErrors { field message code }
    }
  }
`);

export const LogInDocument = graphql(`
  mutation LogIn($input: LogInInput!) {
    logIn(input: $input) {
      token
      refreshToken
      expiresAt
      user { id email }
      tenant { id name }
      userErrors { field message code }
    }
  }
`);

export const RefreshSessionDocument = graphql(`
  mutation RefreshSession($refreshToken: String!) {
    refreshSession(refreshToken: $refreshToken) {
      token
      refreshToken
      expiresAt
      userErrors { field message code }
    }
  }
`);

export const LogOutDocument = graphql(`
  mutation LogOut($refreshToken: String!) {
    logOut(refreshToken: $refreshToken) { userErrors { field message code } }
  }
`);
