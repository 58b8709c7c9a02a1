import { AuthChecker } from 'type-graphql';
import { isScope } from '../auth/scopes';
import { AppError } from '../common/errors';
import { Context, principalOf } from './context';

/**
 * `@Authorized('scope', …)`: the caller must be signed in and hold every listed scope.
 * A missing scope is FORBIDDEN and names the scope.
 */
export const authChecker: AuthChecker<Context> = ({ context }, scopes) => requireScopes(context, scopes);

/** The check behind `@Authorized`, for code that runs outside a resolver (a subscription's subscribe). */
export function requireScopes(context: Context, scopes: readonly string[]): true {
  const principal = principalOf(context);
  for (const scope of scopes) {
    if (!isScope(scope) || !principal.scopes.has(scope)) {
      throw new AppError('FORBIDDEN', `this operation needs the "${scope}" scope`, { extensions: { requiredScope: scope } });
    }
  }
  return true;
}
