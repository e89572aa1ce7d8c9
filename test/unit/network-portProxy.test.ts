// The userland proxy of a published port on the loopback alone (no namespace needed): TCP both ways with a
// half-close, UDP replies reaching each client, a port in use refused by name, and close() freeing the port.
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { openPortProxy } from '../../helper/src/network/portProxy';

test('TCP: bytes go both ways through the proxy, and a half-close reaches the server, which still answers', { timeout: 60_000 }, async () => {
  // The "container": reads everything, then answers with what it got, reversed.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => socket.end(Buffer.from(Buffer.concat(chunks).toString().split('').reverse().join(''))));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const proxy = await openPortProxy({ hostIp: '127.0.0.1', hostPort: 0, protocol: 'tcp', containerIp: '127.0.0.1', containerPort: (server.address() as AddressInfo).port });
  try {
    assert.ok(proxy.port > 0);
    const client = connect({ host: '127.0.0.1', port: proxy.port, allowHalfOpen: true });
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));
    client.end('hello through the proxy');
    await once(client, 'end');
    assert.equal(Buffer.concat(received).toString(), 'yxorp eht hguorht olleh');
    client.destroy();
    // A second proxy on the same port is refused before anything starts, naming the port.
    await assert.rejects(
      openPortProxy({ hostIp: '127.0.0.1', hostPort: proxy.port, protocol: 'tcp', containerIp: '127.0.0.1', containerPort: 1 }),
      new RegExp(`cannot publish 127\\.0\\.0\\.1:${proxy.port}/tcp: the port is already in use on the host`),
    );
  } finally {
    proxy.close();
    server.close();
  }
  // Closed: the port is free again.
  const again = createServer();
  again.listen(proxy.port, '127.0.0.1');
  await once(again, 'listening');
  again.close();
});

test('UDP: each client gets the replies to its own datagrams through the proxy', { timeout: 60_000 }, async () => {
  const echo = createSocket('udp4');
  echo.on('message', (message, from) => echo.send(Buffer.concat([Buffer.from('echo:'), message]), from.port, from.address));
  echo.bind(0, '127.0.0.1');
  await once(echo, 'listening');
  const proxy = await openPortProxy({ hostIp: '127.0.0.1', hostPort: 0, protocol: 'udp', containerIp: '127.0.0.1', containerPort: echo.address().port });
  const clients: UdpSocket[] = [];
  try {
    const ask = async (text: string): Promise<string> => {
      const client = createSocket('udp4');
      clients.push(client);
      client.bind(0, '127.0.0.1');
      await once(client, 'listening');
      const reply = once(client, 'message');
      client.send(text, proxy.port, '127.0.0.1');
      return String((await reply)[0]);
    };
    assert.deepEqual(await Promise.all([ask('one'), ask('two')]), ['echo:one', 'echo:two']);
    await assert.rejects(
      openPortProxy({ hostIp: '127.0.0.1', hostPort: proxy.port, protocol: 'udp', containerIp: '127.0.0.1', containerPort: 1 }),
      /the port is already in use on the host/,
    );
  } finally {
    for (const client of clients) client.close();
    proxy.close();
    echo.close();
  }
});
