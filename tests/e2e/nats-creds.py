#!/usr/bin/env python3
# nats-creds.py DIR: for tests/e2e/nats.bats, NATS's operator mode made from
# scratch with python3 and the openssl CLI alone: an operator, an account and
# a user, each an ed25519 nkey (a seed from os.urandom; the public key and
# the signatures from openssl), the account's and user's JWTs signed by their
# issuer. Writes DIR/server.conf (resolver MEMORY, the account preloaded) and
# DIR/user.creds (the user's JWT and seed), the key files beside them.
import base64, hashlib, json, os, subprocess, sys, time

d = sys.argv[1]

def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc

def b32(data):
    return base64.b32encode(data).decode().rstrip('=')

def encode(prefix, payload):
    raw = bytes(prefix) + payload
    return b32(raw + crc16(raw).to_bytes(2, 'little'))

PREFIX = {'O': 14 << 3, 'A': 0, 'U': 20 << 3}
SEED = 18 << 3

class Key:
    def __init__(self, kind, name):
        self.kind = kind
        self.seed = os.urandom(32)
        self.pem = os.path.join(d, name + '.pem')
        der = bytes.fromhex('302e020100300506032b657004220420') + self.seed
        subprocess.run(['openssl', 'pkey', '-inform', 'DER', '-out', self.pem],
                       input=der, check=True, capture_output=True)
        pub = subprocess.run(['openssl', 'pkey', '-in', self.pem, '-pubout', '-outform', 'DER'],
                             check=True, capture_output=True).stdout[-32:]
        self.public = encode([PREFIX[kind]], pub)
        t = PREFIX[kind]
        self.seed_text = encode([SEED | (t >> 5), (t & 31) << 3], self.seed)

    def sign(self, data):
        path = self.pem + '.in'
        with open(path, 'wb') as f:
            f.write(data)
        return subprocess.run(['openssl', 'pkeyutl', '-sign', '-rawin', '-inkey', self.pem,
                               '-in', path], check=True, capture_output=True).stdout

def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip('=')

def jwt(issuer, subject, name, nats):
    claims = {'iat': int(time.time()), 'iss': issuer.public, 'name': name,
              'sub': subject, 'nats': dict(nats, version=2)}
    claims['jti'] = b32(hashlib.sha256(json.dumps(claims, sort_keys=True).encode()).digest())
    head = b64url(json.dumps({'typ': 'JWT', 'alg': 'ed25519-nkey'}).encode())
    body = b64url(json.dumps(claims).encode())
    signed = (head + '.' + body).encode()
    return head + '.' + body + '.' + b64url(issuer.sign(signed))

operator = Key('O', 'operator')
account = Key('A', 'account')
user = Key('U', 'user')
operator_jwt = jwt(operator, operator.public, 'op', {'type': 'operator'})
account_jwt = jwt(operator, account.public, 'acc', {'type': 'account',
    'limits': {'subs': -1, 'data': -1, 'payload': -1, 'imports': -1, 'exports': -1,
               'wildcards': True, 'conn': -1, 'leaf': -1}})
user_jwt = jwt(account, user.public, 'me', {'type': 'user', 'pub': {}, 'sub': {},
    'subs': -1, 'data': -1, 'payload': -1})
with open(os.path.join(d, 'server.conf'), 'w') as f:
    f.write(f'operator: {operator_jwt}\nresolver: MEMORY\n'
            f'resolver_preload: {{\n  {account.public}: {account_jwt}\n}}\n')
with open(os.path.join(d, 'user.creds'), 'w') as f:
    f.write(f'-----BEGIN NATS USER JWT-----\n{user_jwt}\n------END NATS USER JWT------\n\n'
            f'-----BEGIN USER NKEY SEED-----\n{user.seed_text}\n------END USER NKEY SEED------\n')
os.chmod(os.path.join(d, 'user.creds'), 0o600)
