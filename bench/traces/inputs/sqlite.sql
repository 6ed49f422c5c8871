-- sqlite.sql - a fixed workload for the database trace: tables filled by
-- recursive queries, indexes, joins, grouping, sorting, updates and
-- deletes, in an in-memory database.  No randomness.
CREATE TABLE customer(id INTEGER PRIMARY KEY, name TEXT, city TEXT, balance REAL);
CREATE TABLE item(id INTEGER PRIMARY KEY, title TEXT, price REAL);
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER, item INTEGER,
                    qty INTEGER, note TEXT);
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 60000)
INSERT INTO customer SELECT x, 'customer ' || x, 'city ' || (x * 7 % 97),
                            (x * 7919 % 10007) / 10.0 FROM n;
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 6000)
INSERT INTO item SELECT x, printf('item %05d %s', x, substr('abcdefghijklmnopqrstuvwxyz', 1 + x % 20)),
                        (x * 131 % 997) / 7.0 FROM n;
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 200000)
INSERT INTO orders SELECT x, 1 + x * 13 % 60000, 1 + x * 17 % 6000, 1 + x % 9,
                          CASE WHEN x % 5 = 0 THEN 'gift ' || x ELSE NULL END FROM n;
CREATE INDEX orders_customer ON orders(customer);
CREATE INDEX orders_item ON orders(item);
CREATE INDEX customer_city ON customer(city, balance);
SELECT city, count(*), round(sum(balance), 1) FROM customer
 GROUP BY city ORDER BY 3 DESC LIMIT 5;
SELECT c.name, count(o.id), round(sum(o.qty * i.price), 2) AS total
  FROM customer c JOIN orders o ON o.customer = c.id JOIN item i ON i.id = o.item
 GROUP BY c.id ORDER BY total DESC, c.name LIMIT 10;
SELECT i.title, sum(o.qty) FROM item i JOIN orders o ON o.item = i.id
 WHERE i.price > 50 GROUP BY i.id ORDER BY 2 DESC LIMIT 5;
SELECT count(DISTINCT note), max(length(note)) FROM orders;
UPDATE customer SET balance = balance * 1.05, name = upper(name) WHERE id % 3 = 0;
DELETE FROM orders WHERE qty = 1 OR customer % 11 = 0;
SELECT city, group_concat(name, ';') FROM
  (SELECT city, name FROM customer WHERE balance > 900 ORDER BY name)
 GROUP BY city ORDER BY city LIMIT 3;
CREATE TABLE summary AS
  SELECT customer, count(*) AS n, sum(qty) AS q FROM orders GROUP BY customer;
SELECT count(*), sum(n), sum(q) FROM summary;
DROP TABLE summary;
VACUUM;
SELECT count(*) FROM orders;
