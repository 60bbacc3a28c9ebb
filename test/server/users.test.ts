// The configured users and how a password is checked: a known name and an
// unknown one cost the same crypt work, and an unknown name never gets in,
// not even with another user's password.
import assert from 'node:assert/strict';
import { UserDirectory } from '../../src/server/users';
import { shaCrypt } from '../../src/server/crypt';
import { UserConfig } from '../../src/server/config';

const user = (o: Partial<UserConfig> & { name: string }): UserConfig => ({ level: 1, authorizedKeys: [], recovery: false, ...o });

describe('server/users', () => {
  const ops = user({ name: 'ops', passwordHash: shaCrypt('s3cret', '$6$rounds=5000$abcdefgh') });
  const lab = user({ name: 'lab', password: 'lab' });
  const users = new UserDirectory([ops, lab]);

  const cases: [string, string, string, boolean][] = [
    ['a hashed password, right', 'ops', 's3cret', true],
    ['a hashed password, wrong', 'ops', 'guess', false],
    ['a plain password, right', 'lab', 'lab', true],
    ['a plain password, wrong', 'lab', 'LAB', false],
    ['an unknown name with a configured password', 'root', 's3cret', false],
    ['an unknown name', 'nobody', '', false],
  ];
  for (const [name, username, password, accepted] of cases) {
    it(`${name}: ${accepted ? 'accepted' : 'refused'}`, () => assert.equal(users.checkPassword(username, password), accepted));
  }

  it('an unknown name costs the crypt work of a configured hash (no user enumeration by timing)', () => {
    const rounds = (u: string): number => {
      const start = process.cpuUsage();
      for (let i = 0; i < 20; i++) users.checkPassword(u, 'guess');
      const used = process.cpuUsage(start);
      return used.user + used.system;
    };
    rounds('ops'); // warm
    // the unknown name runs the same SHA-crypt: far more than a Map miss (a fraction of a microsecond)
    assert.ok(rounds('nobody') > rounds('ops') / 4, 'an unknown name is checked against a configured hash');
  });
});
