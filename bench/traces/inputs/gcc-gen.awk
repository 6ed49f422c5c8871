# gcc-gen.awk - writes the C file that the compiler trace compiles:
# N groups of structs, tables and functions with loops, switches and
# calls, enough for the optimiser to work on.  awk -v N=... -f gcc-gen.awk
BEGIN {
	if (N == "")
		N = 60
	print "#include <stddef.h>"
	print "#include <string.h>"
	for (i = 0; i < N; i++) {
		printf "struct rec%d { int id; double w[%d]; struct rec%d *next; char name[%d]; };\n", i, 2 + i % 7, i, 8 + i % 24
		printf "static const int tab%d[] = {", i
		for (j = 0; j < 16 + i % 16; j++)
			printf "%s%d", j ? ", " : " ", (i * 31 + j * 17) % 1000
		print " };"
		printf "static double score%d(const struct rec%d *r, int n)\n{\n", i, i
		print "\tdouble s = 0;"
		print "\tfor (; r != NULL && n-- > 0; r = r->next) {"
		printf "\t\tfor (size_t k = 0; k < sizeof(r->w) / sizeof(r->w[0]); k++)\n"
		printf "\t\t\ts += r->w[k] * tab%d[(r->id + (int)k) %% (int)(sizeof(tab%d) / sizeof(tab%d[0]))];\n", i, i, i
		print "\t\tswitch (r->id % 6) {"
		for (c = 0; c < 6; c++)
			printf "\t\tcase %d: s = s * %d.5 - %d; break;\n", c, c + 1, (i + c) % 9
		print "\t\t}"
		print "\t\tif (strlen(r->name) > 3)"
		print "\t\t\ts += r->name[0] - r->name[1];"
		print "\t}"
		print "\treturn s;"
		print "}"
		printf "double run%d(struct rec%d *r, int n, int m)\n{\n", i, i
		print "\tdouble t = 0;"
		print "\tfor (int k = 0; k < m; k++) {"
		printf "\t\tt += score%d(r, n - k);\n", i
		if (i > 0)
			printf "\t\tt -= run%d((void *)r, n / 2, k & 3) / (k + 1);\n", i - 1
		print "\t\tif (t > 1e9)"
		print "\t\t\tt = -t;"
		print "\t}"
		print "\treturn t;"
		print "}"
	}
}
