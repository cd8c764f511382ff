-- One round of live shop activity (run repeatedly by the demo): a new
-- customer, orders in a multi-row transaction, updates, a delete, and a
-- rolled-back transaction that must never reach the warehouse.
BEGIN;
INSERT INTO customers (email, name) VALUES ('live' || clock_timestamp()::text || random()::text || '@example.com', 'Live customer');
INSERT INTO orders (customer_id, product_id, quantity, amount, status)
  SELECT (SELECT max(id) FROM customers), 1 + (random() * 49)::int, 2, 19.99, 'new' FROM generate_series(1, 3);
COMMIT;
UPDATE orders SET status = 'shipped' WHERE id = (SELECT min(id) FROM orders WHERE status = 'paid');
UPDATE products SET stock = stock - 1, price = price + 0.01 WHERE id = 1 + (random() * 49)::int;
DELETE FROM orders WHERE id = (SELECT min(id) FROM orders WHERE status = 'shipped');
BEGIN;
INSERT INTO customers (email, name) VALUES ('rolledback' || random()::text || '@example.com', 'Never');
ROLLBACK;
