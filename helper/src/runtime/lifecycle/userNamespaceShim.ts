// The user namespace shim: a few lines of Perl that stand between the runtime and the init stage when a
// container has a user namespace. unshare(CLONE_NEWUSER) and setns into a user namespace fail in a
// multithreaded process (every Node process), and a process must be mapped (and be root inside) before it
// execs, or the exec drops its capabilities. Perl is single-threaded and always present on Debian
// (perl-base is Essential); the shim uses only syscall(), POSIX and core builtins.
//
// Started as `perl -e SHIM -- NODE INIT.JS` by spawnInit, with the init's stdio and sync fd. Its steps:
//  1. As host root still: join the container's cgroup (writes "0" into each procs file), so that
//     everything forked from here on is accounted to it (the init, once mapped, may not write them).
//  2. create: unshare(CLONE_NEWUSER), report {"type":"userns"} on the sync fd and block until the
//     runtime has written /proc/PID/{uid_map,gid_map} and answered with a line.
//     exec: setns into the container's user namespace (allowed here, being single-threaded).
//  3. setgroups([]), setresgid(0,0,0), setresuid(0,0,0): root of the namespace, so the exec below keeps
//     the full capability sets (the init drops them to the configured ones later).
//  4. With a pid namespace (new, or the container's to join): unshare/setns CLONE_NEWPID and fork, as
//     only children enter it. The child waits until the parent has reported {"type":"forked","pid":N}
//     (its host pid: the container's process), then execs the init. The parent closes every fd but
//     stdio, forwards the signals it gets to the child, and ends as the child ended (same code or signal),
//     being the process the runtime waits on.
//     Without one: exec the init directly (its pid is the shim's).
// Errors are reported as {"type":"error"} lines, which the runtime's InitChannel already understands.
// Settings come in the environment (removed before the exec): BERTH_SHIM_SYNC_FD, BERTH_SHIM_CGROUP
// (procs files, one per line), BERTH_SHIM_USERNS (a path to join; empty to unshare), BERTH_SHIM_PIDNS
// ("new", a path to join, or empty).

export const USER_NAMESPACE_SHIM = String.raw`
use strict;
use warnings;
use POSIX ();
use Fcntl qw(F_SETFD);

my $machine = (POSIX::uname())[4];
# Raw syscall numbers: x86_64, else the generic table (aarch64).
my %nr = $machine eq 'x86_64'
  ? (unshare => 272, setns => 308, setresuid => 117, setresgid => 119, setgroups => 116)
  : (unshare => 97, setns => 268, setresuid => 147, setresgid => 149, setgroups => 159);
my $CLONE_NEWUSER = 0x10000000;
my $CLONE_NEWPID = 0x20000000;

my %cfg = map { $_ => delete $ENV{"BERTH_SHIM_$_"} // '' } qw(SYNC_FD CGROUP USERNS PIDNS);
open(my $sync, '+<&=', $cfg{SYNC_FD}) or die "berth shim: sync fd $cfg{SYNC_FD}: $!\n";
# Perl marks what it opens above fd 2 close-on-exec, this too: the init needs the sync fd.
fcntl($sync, F_SETFD, 0) or die "berth shim: sync fd $cfg{SYNC_FD}: $!\n";

sub report { my ($line) = @_; syswrite($sync, "$line\n"); }
sub fail {
  my ($message) = @_;
  $message =~ s/(["\\])/\\$1/g;
  $message =~ s/[\x00-\x1f]/ /g;
  report(qq({"type":"error","message":"$message"}));
  POSIX::_exit(1);
}
sub join_ns {
  my ($path, $flag, $what) = @_;
  open(my $ns, '<', $path) or fail("opening $path: $!");
  syscall($nr{setns}, fileno($ns), $flag) == 0 or fail("setns into the $what namespace $path: $!");
  close($ns);
}

# 1. The cgroup, while still host root.
for my $file (grep { length } split /\n/, $cfg{CGROUP}) {
  open(my $procs, '>', $file) or fail("joining the cgroup ($file): $!");
  defined(syswrite($procs, '0')) or fail("joining the cgroup ($file): $!");
  close($procs) or fail("joining the cgroup ($file): $!");
}

# 2. The user namespace.
if ($cfg{USERNS} eq '') {
  syscall($nr{unshare}, $CLONE_NEWUSER) == 0 or fail("unshare(CLONE_NEWUSER): $!");
  report('{"type":"userns"}');
  my $answer = '';
  while (index($answer, "\n") < 0) {
    my $got = sysread($sync, my $chunk, 4096);
    if (!defined $got) {
      next if $!{EAGAIN} || $!{EINTR};
      fail("reading the runtime's answer: $!");
    }
    fail('the runtime closed the sync socket before mapping the user namespace') if $got == 0;
    $answer .= $chunk;
  }
} else {
  join_ns($cfg{USERNS}, $CLONE_NEWUSER, 'user');
}

# 3. Root inside it.
syscall($nr{setgroups}, 0, 0) == 0 or fail("setgroups([]) in the user namespace: $!");
syscall($nr{setresgid}, 0, 0, 0) == 0 or fail("setresgid(0) in the user namespace (is gid 0 mapped?): $!");
syscall($nr{setresuid}, 0, 0, 0) == 0 or fail("setresuid(0) in the user namespace (is uid 0 mapped?): $!");

# 4. The pid namespace, which only children enter.
if ($cfg{PIDNS} ne '') {
  if ($cfg{PIDNS} eq 'new') {
    syscall($nr{unshare}, $CLONE_NEWPID) == 0 or fail("unshare(CLONE_NEWPID): $!");
  } else {
    join_ns($cfg{PIDNS}, $CLONE_NEWPID, 'pid');
  }
  pipe(my $wait_r, my $wait_w) or fail("pipe: $!");
  my $child = fork();
  defined $child or fail("fork into the pid namespace: $!");
  if ($child == 0) {
    close($wait_w);
    sysread($wait_r, my $byte, 1);
    close($wait_r);
    exec { $ARGV[0] } @ARGV or fail("exec $ARGV[0]: $!");
  }
  close($wait_r);
  report(qq({"type":"forked","pid":$child}));
  close($wait_w);
  # Keep nothing of the container's open (a preserved pipe's reader would wait on our copy).
  opendir(my $fds, '/proc/self/fd') or fail("/proc/self/fd: $!");
  my @open = grep { /^\d+$/ && $_ > 2 } readdir($fds);
  closedir($fds);
  POSIX::close($_) for @open;
  for my $signal (qw(HUP INT QUIT TERM USR1 USR2 WINCH CONT)) {
    $SIG{$signal} = sub { kill($_[0], $child) };
  }
  while (1) {
    my $reaped = waitpid($child, 0);
    last if $reaped == $child;
    POSIX::_exit(1) if $reaped == -1 && !$!{EINTR};
  }
  my $status = $?;
  if ($status & 127) {
    my $number = $status & 127;
    POSIX::sigaction($number, POSIX::SigAction->new('DEFAULT'));
    kill($number, $$);
    POSIX::_exit(128 + $number);
  }
  POSIX::_exit($status >> 8);
}
exec { $ARGV[0] } @ARGV or fail("exec $ARGV[0]: $!");
`;
