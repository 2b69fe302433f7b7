import { Stack, Validations } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges the AwsSolutions-IAM5 finding of one wildcard resource in the policy of `role`, with
 * a reason, on that policy only: cdk-nag names each wildcard resource finding
 * `AwsSolutions-IAM5[Resource::<flattened ARN>]`, so the acknowledgement covers that exact resource
 * and no other wildcard the role may be given later.
 */
export function acknowledgeWildcardResource(role: IRole | undefined, resource: string, reason: string): void {
  const policy = role?.node.tryFindChild('DefaultPolicy');
  if (!policy) throw new Error(`no policy to acknowledge ${resource} on: grant first`);
  Validations.of(policy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagResourceName(policy, resource)}]`,
    reason,
  });
}

/**
 * `resource` as cdk-nag prints it: the resolved CloudFormation value flattened, `Ref` and `Fn::GetAtt`
 * written `<LogicalId>` and `<LogicalId.Attribute>`, joins concatenated (cdk-nag's own
 * flattenCfnReference, which the package does not export).
 */
export function nagResourceName(scope: IConstruct, resource: string): string {
  const visit = (node: unknown): string => {
    if (node === undefined) return '';
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    if (typeof node === 'object' && node !== null) {
      if ('Fn::Join' in node) {
        const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
        return items.map(visit).join(delimiter);
      }
      if ('Fn::Sub' in node) return visit(node['Fn::Sub']);
      if ('Fn::GetAtt' in node) {
        const [logicalId, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
        return `<${visit(logicalId)}.${visit(attribute)}>`;
      }
      if ('Fn::ImportValue' in node) return visit(node['Fn::ImportValue']);
      if ('Ref' in node) return `<${visit(node.Ref)}>`;
    }
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(resource));
}
