# perl.pl - a fixed workload for the script-runtime trace: hashes that
# grow and shrink, strings appended to, arrays of records sorted, text
# split, matched and joined.  No randomness: a fixed linear congruential
# generator stands in for rand().
use strict;
use warnings;

my $state = 4242;
sub rnd { $state = ($state * 1103515245 + 12345) % 2147483648; return ($state >> 8) % $_[0]; }

my @syl = qw(ka lo mi ne ru sa to vi el on ar is um ex po qua);
sub word { return join '', map { $syl[rnd(scalar @syl)] } 0 .. rnd(4); }

my (%h, @recs);
for my $i (1 .. 60000) {
	my $k = word();
	$h{$k} .= "$i,";
	push @recs, { id => $i, key => $k, len => length($h{$k}), tag => word() };
}
my @sorted = sort { $a->{len} <=> $b->{len} || $a->{key} cmp $b->{key} } @recs;
my $text = join ' ', map { "$_->{key}:$_->{tag}" } @sorted[0 .. 20000];
my %count;
$count{$1}++ while $text =~ /(\w+):/g;
my @lines = map { sprintf "%06d %-12s %s", $_->{id}, $_->{key}, $_->{tag} } @recs;
my %by_tag;
for my $line (@lines) {
	my ($id, $key, $tag) = split ' ', $line;
	push @{ $by_tag{$tag} }, $id;
}
for my $k (keys %h) {
	delete $h{$k} if length($h{$k}) > 40;
}
my $out = '';
for my $tag (sort keys %by_tag) {
	$out .= $tag . '=' . scalar(@{ $by_tag{$tag} }) . "\n";
}
print scalar(@recs), ' ', scalar(keys %count), ' ', scalar(keys %h), ' ',
    length($out), "\n";
