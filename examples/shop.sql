-- Sample shop schema for the demo: customers, products, orders.
CREATE TABLE IF NOT EXISTS customers (
  id         bigserial PRIMARY KEY,
  email      varchar(200) NOT NULL UNIQUE,
  name       text NOT NULL,
  vip        boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS products (
  id         serial PRIMARY KEY,
  sku        varchar(32) NOT NULL UNIQUE,
  title      text NOT NULL,
  price      numeric(10,2) NOT NULL,
  stock      integer NOT NULL,
  added_on   date NOT NULL DEFAULT current_date
);
CREATE TABLE IF NOT EXISTS orders (
  id          bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers(id),
  product_id  integer NOT NULL REFERENCES products(id),
  quantity    smallint NOT NULL,
  amount      numeric(12,2) NOT NULL,
  status      text NOT NULL DEFAULT 'new',
  ordered_at  timestamp NOT NULL DEFAULT now()::timestamp
);
INSERT INTO customers (email, name, vip)
  SELECT 'customer' || g || '@example.com', 'Customer ' || g, g % 7 = 0 FROM generate_series(1, 200) g;
INSERT INTO products (sku, title, price, stock, added_on)
  SELECT 'SKU-' || g, 'Product ' || g, (g * 3.17)::numeric(10,2), 100 + g, date '2024-01-01' + g FROM generate_series(1, 50) g;
INSERT INTO orders (customer_id, product_id, quantity, amount, status)
  SELECT 1 + g % 200, 1 + g % 50, 1 + g % 5, ((1 + g % 5) * (1 + g % 50) * 3.17)::numeric(12,2), 'paid' FROM generate_series(1, 500) g;
