// The container monitor: a small Perl program that stands between the daemon and one container's
// process for that process's whole life, so that no container depends on the daemon staying alive and
// the daemon keeps no Node process per container. Perl is single-threaded (it may unshare a pid
// namespace and fork, which a Node process may not) and always present on Debian (perl-base is
// Essential). It idles at about 5.6 MB RSS. It loads no module but strict, only builtins and syscall():
// POSIX alone would add about 20 ms
// to each start and 2.4 MB to each monitor, Fcntl, Config and warnings most of a megabyte each, and
// Time::HiRes is not in perl-base (the clock is read with clock_gettime). Numbers of syscalls and flags
// are written out for x86_64 and aarch64 (whose flag values are the same).
//
// Started by startMonitor as `perl -e MONITOR -- N ENV1 … ENVN ARGV0 ARGV1 …` (the container's
// environment, then its command), detached (its own session), stdio on /dev/null, a sync fd, and its
// settings in its own environment (BERTH_MON_*, which never reach the container). Its steps:
//  1. Close every inherited fd above 2 but the sync fd and BERTH_MON_KEEP_FDS; ignore SIGPIPE (a
//     vanished reader must not kill it); become a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so
//     that everything orphaned below it is reparented to it and reaped here.
//  2. With BERTH_MON_PIDNS=1: unshare(CLONE_NEWPID), so that the one child forked next is PID 1 of a
//     new pid namespace (only children enter it).
//  3. Fork the command with stdin on /dev/null (or the fifo DIR/stdin, made if missing and opened
//     read-write so that it never reads end-of-file between two writers), stdout and stderr on pipes.
//     The child waits on a "go" pipe; meanwhile the monitor writes DIR/monitor.pid, DIR/container.pid
//     (the child's host pid) and DIR/monitor.json (both pids with their start times from /proc/PID/stat,
//     so that a reader can tell them from a reused pid), each atomically (tmp + rename). Then it lets
//     the child go: it resets every signal to its default and execs. A close-on-exec pipe tells the
//     monitor whether the exec succeeded; it reports {"type":"started",…} or {"type":"error",…} as one
//     JSON line on the sync fd and closes it. From then on nothing connects it to the daemon.
//  4. Copy the child's stdout and stderr into DIR/logs/container.log in LogWriter's record format
//     (engine/logs/logRecord.ts): one JSON line per line of output, {"t":…,"s":…,"log":…} with the
//     line's newline, "b64" instead of "log" for bytes that are not valid UTF-8, "p":true for a piece
//     that does not end a line (a partial line flushed after BERTH_MON_IDLE_MS without more output or at
//     the end, or a piece of a line longer than 16 KiB, cut at a character boundary). Rotation as
//     LogWriter rotates: before a record would take container.log past BERTH_MON_MAX_BYTES, rename
//     container.log.(i-1) to container.log.i down to .1 and start afresh; BERTH_MON_MAX_FILES files
//     kept. The disk's pace is the pipe's pace: a full disk or slow disk blocks the container's writes,
//     never grows the monitor.
//     The kept fds are closed in the monitor once the child has them.
//  5. Forward SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH to the child; reap every
//     child (SIGCHLD wakes the loop through a self-pipe).
//  6. Once the child has exited: read what its pipes still hold (until both end, or until they have
//     been silent for the idle time: a process the container left behind may hold them open), flush
//     and close the log, then write DIR/exit.json atomically: {"exitCode":N|null,"signal":"SIGKILL"|null,
//     "finishedAt":ISO time of the reap}. So exit.json present means the log is complete. Then reap:
//     in a pid namespace every remaining process was killed by the kernel with its PID 1, and is waited
//     for; without one, zombies are reaped and live leftovers are left to init. Exit 0.
// With BERTH_MON_TTY=MASTER,SLAVE (kept fds of a pty the daemon opened) the child takes the slave as its
// controlling terminal and stdio (setsid, TIOCSCTTY), and the monitor logs what the master shows as
// stdout and copies the stdin fifo (if any) into the master.
// BERTH_MON_STDIN=fifo-once gives the command the fifo read-only, so it sees end-of-file once the last
// writer closes it (docker run -i: the container's stdin ends with the client's).
// Settings: BERTH_MON_DIR, BERTH_MON_SYNC_FD, BERTH_MON_KEEP_FDS (comma-separated), BERTH_MON_PIDNS
// ("1" or empty), BERTH_MON_STDIN ("fifo" or empty), BERTH_MON_MAX_BYTES, BERTH_MON_MAX_FILES,
// BERTH_MON_IDLE_MS.

export const MONITOR_SCRIPT = String.raw`
use strict;

# The machine, from e_machine in our own ELF header: 62 is x86_64, else the generic table (aarch64).
my $machine = 0;
if (open(my $exe, '<', '/proc/self/exe')) {
  binmode($exe);
  read($exe, my $header, 20);
  close($exe);
  $machine = unpack('v', substr($header, 18, 2)) if defined $header && length($header) == 20;
}
my %nr = $machine == 62
  ? (unshare => 272, prctl => 157, clock_gettime => 228, close => 3, dup3 => 292, exit_group => 231, rt_sigprocmask => 14, mknodat => 259, setsid => 112, ioctl => 16)
  : (unshare => 97, prctl => 167, clock_gettime => 113, close => 57, dup3 => 24, exit_group => 94, rt_sigprocmask => 135, mknodat => 33, setsid => 157, ioctl => 29);
my $TIOCSCTTY = 0x540E;
my ($F_GETFD, $F_SETFD, $FD_CLOEXEC, $F_GETFL, $F_SETFL, $O_NONBLOCK, $O_RDWR) = (1, 2, 1, 3, 4, 0x800, 2);
my ($WNOHANG, $EINTR) = (1, 4);
my @SIGNALS = qw(ZERO HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT
  STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS);
sub _exit { syscall($nr{exit_group}, $_[0]); exit($_[0]); }
my $CLONE_NEWPID = 0x20000000;
my $PR_SET_CHILD_SUBREAPER = 36;
my $MAX_PAYLOAD = 16 * 1024;

my %cfg = map { $_ => delete $ENV{"BERTH_MON_$_"} // '' }
  qw(DIR SYNC_FD KEEP_FDS PIDNS STDIN MAX_BYTES MAX_FILES IDLE_MS TTY);
# With a terminal: "MASTER,SLAVE" (two of the kept fds). The child gets the slave as its controlling
# terminal and stdio; the monitor logs what the master reads and feeds it the stdin fifo.
my ($tty_master, $tty_slave) = length $cfg{TTY} ? split(/,/, $cfg{TTY}) : ();
my $dir = $cfg{DIR};
my $max_bytes = $cfg{MAX_BYTES} || 10 * 1024 * 1024;
my $max_files = $cfg{MAX_FILES} || 3;
my $idle = ($cfg{IDLE_MS} || 100) / 1000;

my $sync;
if (length $cfg{SYNC_FD}) {
  open($sync, '+<&=', $cfg{SYNC_FD}) or _exit(2);
  my $flags = fcntl($sync, $F_GETFD, 0);
  fcntl($sync, $F_SETFD, $flags | $FD_CLOEXEC);
}
sub json_string {
  my ($text) = @_;
  $text =~ s/(["\\])/\\$1/g;
  my %short = ("\x08" => '\\b', "\t" => '\\t', "\n" => '\\n', "\f" => '\\f', "\r" => '\\r');
  # As JSON.stringify writes them, so that a record is byte for byte what LogWriter would write.
  $text =~ s{([\x00-\x1f])}{$short{$1} // sprintf('\\u%04x', ord $1)}ge;
  return qq("$text");
}
sub report {
  my ($line) = @_;
  return unless $sync;
  syswrite($sync, "$line\n");
}
sub fail {
  my ($message) = @_;
  report('{"type":"error","message":' . json_string("berth monitor: $message") . '}');
  _exit(1);
}

# 1. Nothing of the daemon's stays open here (its sockets, its lock files), except what it asked for.
{
  my %keep = map { $_ => 1 } grep { length } (split(/,/, $cfg{KEEP_FDS}), $cfg{SYNC_FD});
  opendir(my $fds, '/proc/self/fd') or fail("/proc/self/fd: $!");
  my @open = grep { /^\d+$/ && $_ > 2 && !$keep{$_} } readdir($fds);
  closedir($fds);
  syscall($nr{close}, $_ + 0) for @open;
}
$SIG{PIPE} = 'IGNORE';
syscall($nr{prctl}, $PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 or fail("prctl(PR_SET_CHILD_SUBREAPER): $!");
chdir('/');

sub now {
  my $buf = "\0" x 16;
  syscall($nr{clock_gettime}, 0, $buf) == 0 or return time;
  my ($sec, $nsec) = unpack('q q', $buf);
  return $sec + $nsec / 1e9;
}
sub iso_time {
  my ($t) = @_;
  my $sec = int($t);
  my $ms = int(($t - $sec) * 1000);
  my @g = gmtime($sec);
  return sprintf('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', $g[5] + 1900, $g[4] + 1, @g[3, 2, 1, 0], $ms);
}
sub proc_start_time {
  my ($pid) = @_;
  open(my $stat, '<', "/proc/$pid/stat") or return '';
  my $text = <$stat>;
  close($stat);
  $text =~ s/^.*\) //s;
  return (split / /, $text)[19] // '';
}
sub write_atomic {
  my ($path, $content) = @_;
  my $tmp = "$path.tmp";
  open(my $out, '>', $tmp) or return 0;
  print {$out} $content or return 0;
  close($out) or return 0;
  return rename($tmp, $path);
}

# 2. The pid namespace.
if ($cfg{PIDNS} eq '1') {
  syscall($nr{unshare}, $CLONE_NEWPID) == 0 or fail("unshare(CLONE_NEWPID): $!");
}

# 3. The child.
my $count = shift(@ARGV) // 0;
my @env = splice(@ARGV, 0, $count);
@ARGV or fail('no command given');
my $stdin_path = '/dev/null';
my $stdin_once = $cfg{STDIN} eq 'fifo-once';
if ($cfg{STDIN} eq 'fifo' || $stdin_once) {
  $stdin_path = "$dir/stdin";
  if (!-p $stdin_path) {
    syscall($nr{mknodat}, -100, $stdin_path, 0010000 | 0600, 0) == 0 or fail("mkfifo $stdin_path: $!");
  }
}
pipe(my $out_r, my $out_w) or fail("pipe: $!");
pipe(my $err_r, my $err_w) or fail("pipe: $!");
pipe(my $go_r, my $go_w) or fail("pipe: $!");
pipe(my $exec_r, my $exec_w) or fail("pipe: $!");
my $sig_r; my $sig_w;
pipe($sig_r, $sig_w) or fail("pipe: $!");
for my $fh ($sig_r, $sig_w) { fcntl($fh, $F_SETFL, fcntl($fh, $F_GETFL, 0) | $O_NONBLOCK); }

my $child = fork();
defined $child or fail("fork: $!");
if ($child == 0) {
  # Close-on-exec is set on every pipe end Perl made (they are above fd 2); the exec pipe must stay so.
  close($_) for ($out_r, $err_r, $go_w, $exec_r, $sig_r, $sig_w);
  close($sync) if $sync;
  # No byte: the monitor died before the pid files were written; the command must not run unwatched.
  (sysread($go_r, my $byte, 1) // 0) == 1 or _exit(1);
  my $child_fail = sub { syswrite($exec_w, "$_[0]\n"); _exit(127); };
  if (defined $tty_slave) {
    # A session of its own with the terminal as its controlling tty, as a login shell has it.
    syscall($nr{setsid}) >= 0 or $child_fail->("setsid: $!");
    syscall($nr{ioctl}, $tty_slave + 0, $TIOCSCTTY, 0) == 0 or $child_fail->("ioctl(TIOCSCTTY): $!");
    for my $fd (0, 1, 2) { syscall($nr{dup3}, $tty_slave + 0, $fd, 0) == $fd or $child_fail->("dup3: $!"); }
    syscall($nr{close}, $_ + 0) for ($tty_slave, $tty_master);
  } else {
    # fifo: read-write, so that it never ends between two writers. fifo-once: read-only, so that it ends
    # when its writers (the daemon's attached client) are gone; opened without waiting for one.
    my $mode = $stdin_path eq '/dev/null' ? 0 : $stdin_once ? $O_NONBLOCK : $O_RDWR;
    sysopen(my $in, $stdin_path, $mode) or $child_fail->("opening $stdin_path: $!");
    fcntl($in, $F_SETFL, fcntl($in, $F_GETFL, 0) & ~$O_NONBLOCK) if $stdin_once;
    for ([ $in, 0 ], [ $out_w, 1 ], [ $err_w, 2 ]) {
      syscall($nr{dup3}, fileno($_->[0]), $_->[1], 0) == $_->[1] or $child_fail->("dup3: $!");
    }
    close($in);
  }
  close($out_w); close($err_w); close($go_r);
  for my $name (keys %SIG) { $SIG{$name} = 'DEFAULT' if $name ne 'KILL' && $name ne 'STOP' && defined $SIG{$name}; }
  $SIG{PIPE} = 'DEFAULT';
  my $empty_set = "\0" x 8;
  syscall($nr{rt_sigprocmask}, 2, $empty_set, 0, 8) == 0 or $child_fail->("rt_sigprocmask: $!");
  %ENV = ();
  for my $pair (@env) { my ($key, $value) = split(/=/, $pair, 2); $ENV{$key} = $value // ''; }
  exec { $ARGV[0] } @ARGV or $child_fail->("exec $ARGV[0]: $!");
}
close($_) for ($out_w, $err_w, $go_r, $exec_w);
# The kept fds were for the child: holding them here would hide their closing from whoever holds the
# other end (the daemon's sync socket with the container's init sees end-of-file only once both are gone).
syscall($nr{close}, $_ + 0) for grep { length && (!defined $tty_master || $_ != $tty_master) } split(/,/, $cfg{KEEP_FDS});

my $monitor_start = proc_start_time($$);
my $child_start = proc_start_time($child);
for ([ "$dir/monitor.pid", "$$\n" ], [ "$dir/container.pid", "$child\n" ],
     [ "$dir/monitor.json", qq({"monitorPid":$$,"monitorStartTime":"$monitor_start","containerPid":$child,"containerStartTime":"$child_start"}\n) ]) {
  if (!write_atomic(@$_)) { my $error = "$!"; kill('KILL', $child); fail("writing $_->[0]: $error"); }
}
syswrite($go_w, 'g');
close($go_w);
my $exec_error = '';
while (1) {
  my $got = sysread($exec_r, my $chunk, 4096);
  last if defined $got && $got == 0;
  next if !defined $got && ($! + 0 == $EINTR);
  last if !defined $got;
  $exec_error .= $chunk;
}
close($exec_r);
chomp $exec_error;
if (length $exec_error) {
  report('{"type":"error","message":' . json_string("berth monitor: $exec_error") . '}');
} else {
  report(qq({"type":"started","monitorPid":$$,"containerPid":$child}));
}
if ($sync) { close($sync); undef $sync; }

# 4. The log.
my $log_dir = "$dir/logs";
mkdir($log_dir, 0700) unless -d $log_dir;
my $current = "$log_dir/container.log";
my $log;
my $log_size = 0;
sub log_name { my ($i) = @_; return $i == 0 ? $current : "$current.$i"; }
sub open_log {
  if (opendir(my $names, $log_dir)) {
    for my $name (readdir($names)) {
      unlink("$log_dir/$name") if $name =~ /^container\.log\.([1-9]\d{0,5})$/ && $1 >= $max_files;
    }
    closedir($names);
  }
  open($log, '>>', $current) or return 0;
  chmod(0640, $current);
  $log_size = -s $log;
  if ($log_size > 0) {
    # A line torn by a crash of the previous writer ends here.
    my $last = '';
    open(my $check, '<', $current);
    if ($check && seek($check, $log_size - 1, 0) && read($check, $last, 1) && $last ne "\n") {
      syswrite($log, "\n") and $log_size++;
    }
    close($check) if $check;
  }
  return 1;
}
sub rotate {
  close($log) if $log;
  undef $log;
  if ($max_files == 1) { unlink($current); }
  else { rename(log_name($_ - 1), log_name($_)) for reverse 1 .. $max_files - 1; }
  open_log();
}
sub write_records {
  my @records = @_;
  return unless @records;
  open_log() unless $log;
  return unless $log;
  my $batch = '';
  for my $record (@records) {
    if ($log_size + length($batch) > 0 && $log_size + length($batch) + length($record) > $max_bytes) {
      if (length $batch) { my $n = syswrite($log, $batch); $log_size += $n if defined $n; $batch = ''; }
      rotate();
      return unless $log;
    }
    $batch .= $record;
  }
  if (length $batch) { my $n = syswrite($log, $batch); $log_size += $n if defined $n; }
}

my $UTF8 = qr/\A(?:[\x00-\x7F]|[\xC2-\xDF][\x80-\xBF]|\xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}|\xED[\x80-\x9F][\x80-\xBF]|\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}|\xF4[\x80-\x8F][\x80-\xBF]{2})*\z/;
sub encode_record {
  my ($stream, $t, $payload, $partial) = @_;
  my $body;
  if ($payload =~ $UTF8) { $body = '"log":' . json_string($payload); }
  else {
    my $b64 = '';
    # pack 'u' is uuencoding: the same 6-bit groups as base64 under another alphabet.
    for (my $at = 0; $at < length $payload; $at += 45) {
      my $line = pack('u', substr($payload, $at, 45));
      $line =~ s/^.//; $line =~ s/\n$//;
      $line =~ tr{\x60\x20-\x5f}{AA-Za-z0-9+/};
      $b64 .= $line;
    }
    my $pad = (3 - length($payload) % 3) % 3;
    substr($b64, -$pad) = '=' x $pad if $pad;
    $body = qq("b64":"$b64");
  }
  return qq({"t":"$t","s":"$stream",$body) . ($partial ? ',"p":true' : '') . "}\n";
}
# How many bytes at the end of $data begin a UTF-8 character that needs more bytes.
sub incomplete_tail {
  my ($data) = @_;
  for my $back (1 .. 3) {
    last if $back > length $data;
    my $byte = ord(substr($data, -$back, 1));
    next if ($byte & 0xc0) == 0x80;
    my $length = $byte >= 0xf0 && $byte <= 0xf4 ? 4 : $byte >= 0xe0 && $byte < 0xf0 ? 3 : $byte >= 0xc2 && $byte < 0xe0 ? 2 : 1;
    return $length > $back ? $back : 0;
  }
  return 0;
}
# A line (or a partial line) as records, pieces longer than 16 KiB cut at character boundaries.
sub line_records {
  my ($stream, $t, $line, $partial) = @_;
  my @records;
  while (length($line) > $MAX_PAYLOAD) {
    my $cut = $MAX_PAYLOAD;
    my $floor = $cut;
    $cut-- while $cut > 1 && $floor - $cut < 3 && (ord(substr($line, $cut, 1)) & 0xc0) == 0x80;
    $cut = $floor if (ord(substr($line, $cut, 1)) & 0xc0) == 0x80;
    push @records, encode_record($stream, $t, substr($line, 0, $cut, ''), 1);
  }
  push @records, encode_record($stream, $t, $line, $partial) if length $line;
  return @records;
}

my %streams;
my $tty_input;
if (defined $tty_master) {
  # One stream: what the terminal shows is stdout, as Docker logs a tty container.
  close($out_r); close($err_r);
  open(my $master, '+<&=', $tty_master) or fail("the terminal's master fd $tty_master: $!");
  %streams = (stdout => { fh => $master, buffer => '', since => 0 });
  if ($cfg{STDIN} ne '') { sysopen($tty_input, $stdin_path, $O_RDWR) or undef $tty_input; }
} else {
  %streams = (
    stdout => { fh => $out_r, buffer => '', since => 0 },
    stderr => { fh => $err_r, buffer => '', since => 0 },
  );
}
# Complete lines now; a partial line once it has waited $idle (or $force: the end).
sub take_records {
  my ($name, $force) = @_;
  my $s = $streams{$name};
  my $t = iso_time(now());
  my @records;
  while ((my $newline = index($s->{buffer}, "\n")) >= 0) {
    push @records, line_records($name, $t, substr($s->{buffer}, 0, $newline + 1, ''), 0);
  }
  my $partial_due = $force || (length($s->{buffer}) && now() - $s->{since} >= $idle);
  if (length($s->{buffer}) > $MAX_PAYLOAD || $partial_due) {
    my $keep = $force ? 0 : incomplete_tail($s->{buffer});
    my $keep_bytes = $keep ? substr($s->{buffer}, -$keep) : '';
    my $piece = $keep ? substr($s->{buffer}, 0, length($s->{buffer}) - $keep) : $s->{buffer};
    if (!$partial_due) {
      # Only whole 16 KiB pieces of a long line go now; the rest waits for more of the line.
      my $whole = int(length($piece) / $MAX_PAYLOAD) * $MAX_PAYLOAD;
      $keep_bytes = substr($piece, $whole) . $keep_bytes;
      $piece = substr($piece, 0, $whole);
    }
    push @records, line_records($name, $t, $piece, 1);
    $s->{buffer} = $keep_bytes;
    $s->{since} = now() if length $keep_bytes;
  }
  return @records;
}

# 5. Signals: forwarded, and SIGCHLD wakes the loop.
for my $signal (qw(TERM INT HUP QUIT USR1 USR2 WINCH)) {
  $SIG{$signal} = sub { kill($_[0], $child) if $child > 0; };
}
$SIG{CHLD} = sub { syswrite($sig_w, 'c'); };

my $status;
my $finished;
sub reap {
  while (1) {
    my $pid = waitpid(-1, $WNOHANG);
    last if $pid <= 0;
    if ($pid == $child) { $status = $?; $finished = now(); }
  }
}

my $drain_until;
while (1) {
  reap();
  my @open = grep { $streams{$_}{fh} } keys %streams;
  last if defined $status && !@open;
  my $now = now();
  $drain_until //= $now + $idle if defined $status;
  last if defined $drain_until && $now >= $drain_until;
  my $timeout;
  for my $name (@open) {
    next unless length $streams{$name}{buffer};
    my $due = $streams{$name}{since} + $idle - $now;
    $timeout = $due if !defined $timeout || $due < $timeout;
  }
  if (defined $drain_until) {
    my $due = $drain_until - $now;
    $timeout = $due if !defined $timeout || $due < $timeout;
  }
  $timeout = 0 if defined $timeout && $timeout < 0;
  my $rin = '';
  vec($rin, fileno($streams{$_}{fh}), 1) = 1 for @open;
  vec($rin, fileno($sig_r), 1) = 1;
  vec($rin, fileno($tty_input), 1) = 1 if $tty_input && $streams{stdout}{fh};
  my $ready = select(my $rout = $rin, undef, undef, $timeout);
  next if $ready < 0;
  if (vec($rout, fileno($sig_r), 1)) { sysread($sig_r, my $drop, 4096); }
  if ($tty_input && $streams{stdout}{fh} && vec($rout, fileno($tty_input), 1)) {
    my $got = sysread($tty_input, my $keys, 65536);
    syswrite($streams{stdout}{fh}, $keys) if $got;
  }
  my @records;
  for my $name (@open) {
    my $s = $streams{$name};
    if (vec($rout, fileno($s->{fh}), 1)) {
      my $got = sysread($s->{fh}, my $chunk, 65536);
      next if !defined $got && ($! + 0 == $EINTR);
      if (!$got) {
        close($s->{fh});
        $s->{fh} = undef;
        push @records, take_records($name, 1);
        next;
      }
      $s->{since} = now() if !length $s->{buffer};
      $s->{buffer} .= $chunk;
    }
    push @records, take_records($name, 0);
  }
  write_records(@records);
}

# 6. The end.
for my $name (keys %streams) {
  my $s = $streams{$name};
  close($s->{fh}) if $s->{fh};
  $s->{fh} = undef;
  write_records(take_records($name, 1));
}
close($log) if $log;
my ($code, $signal) = ('null', 'null');
if (($status & 127) != 0) {
  my $number = $status & 127;
  $signal = $number < @SIGNALS ? qq("SIG$SIGNALS[$number]") : qq("SIG$number");
} else {
  $code = $status >> 8;
}
my $finished_at = iso_time($finished);
write_atomic("$dir/exit.json", qq({"exitCode":$code,"signal":$signal,"finishedAt":"$finished_at"}\n));
if ($cfg{PIDNS} eq '1') {
  $SIG{CHLD} = 'DEFAULT';
  1 while waitpid(-1, 0) > 0 || ($! + 0 == $EINTR);
} else {
  reap();
}
_exit(0);
`;
