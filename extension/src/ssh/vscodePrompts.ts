// The SSH prompts as VS Code shows them: input boxes for passphrases and passwords, a modal question for
// an unknown host key; and VS Code's SecretStorage as the place for secrets the user lets Berth keep.
// The extension asks through oneAtATime(new VsCodePrompter()): one prompt at a time across every target.
import * as vscode from 'vscode';
import type { HostKeyRequest, SecretRequest, SecretStore, SshPrompter } from './prompts';

export class VsCodePrompter implements SshPrompter {
  secret(request: SecretRequest): Promise<string | undefined> {
    const titles: Record<SecretRequest['kind'], string> = {
      passphrase: `Passphrase for the key ${request.prompt}`,
      password: `SSH password for ${request.target}`,
      'keyboard-interactive': `${request.target}: ${request.prompt}`,
      sudo: `sudo password on ${request.target}`,
    };
    return Promise.resolve(
      vscode.window.showInputBox({
        title: `Berth: ${titles[request.kind]}`,
        prompt: request.retry ? `That was not accepted; try again. ${request.prompt}` : request.prompt,
        password: !request.echo,
        ignoreFocusOut: true,
      }),
    );
  }

  confirmHostKey(request: HostKeyRequest): Promise<boolean> {
    const trust = 'Trust and Connect';
    const detail = [
      `The authenticity of host ${request.host} can't be established.`,
      `${request.keyType} key fingerprint is ${request.fingerprint}.`,
      request.otherTypes.length ? `Keys of other types (${request.otherTypes.join(', ')}) are already known for this host.` : '',
      `Compare it with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the host). If you trust it, it is added to ${request.knownHostsPath}.`,
    ]
      .filter(Boolean)
      .join('\n');
    return Promise.resolve(vscode.window.showWarningMessage(`Berth: unknown host key for ${request.host}`, { modal: true, detail }, trust)).then((answer) => answer === trust);
  }
}

export class VsCodeSecretStore implements SecretStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}
  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.secrets.get(key));
  }
  store(key: string, value: string): Promise<void> {
    return Promise.resolve(this.secrets.store(key, value));
  }
  delete(key: string): Promise<void> {
    return Promise.resolve(this.secrets.delete(key));
  }
}
