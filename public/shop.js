// The demo storefront's own code: a tiny cart kept in localStorage, and the Rejoiner commands a
// real shop would push from its templates and cart events. Not part of the library.
var shop = (function () {
  var products = {
    'TV-1002': { product_id: 'TV-1002', name: 'Exclusive TV 1002', price: 29999, category: ['tv', 'bestsellers'], image_url: '/img/tv.svg' },
    'SB-220': { product_id: 'SB-220', name: 'Soundbar 220', price: 8999, category: ['audio'], image_url: '/img/soundbar.svg' },
    'HD-7': { product_id: 'HD-7', name: 'Headphones 7', price: 4599, category: ['audio', 'gifts'], image_url: '/img/headphones.svg' },
  };
  var read = function () { try { return JSON.parse(localStorage.getItem('demo-cart')) || {}; } catch (e) { return {}; } };
  var write = function (cart) { localStorage.setItem('demo-cart', JSON.stringify(cart)); };
  var lines = function (cart) {
    return Object.keys(cart).map(function (id) {
      var p = products[id];
      return { product_id: id, name: p.name, price: p.price, category: p.category, item_qty: cart[id], qty_price: p.price * cart[id], product_url: location.origin + '/product.html?id=' + id, image_url: location.origin + p.image_url };
    });
  };
  var totals = function (cart) {
    var items = lines(cart);
    return { cart_value: items.reduce(function (s, l) { return s + l.qty_price; }, 0), cart_item_count: items.reduce(function (s, l) { return s + l.item_qty; }, 0), return_url: location.origin + '/cart.html' };
  };
  var money = function (cents) { return '$' + (cents / 100).toFixed(2); };
  return {
    products: products,
    money: money,
    lines: function () { return lines(read()); },
    totals: function () { return totals(read()); },
    add: function (id) {
      var cart = read();
      cart[id] = (cart[id] || 0) + 1;
      write(cart);
      var line = lines(cart).filter(function (l) { return l.product_id === id; })[0];
      _rejoiner.push(['setCartItem', line]);
      _rejoiner.push(['setCartData', totals(cart)]);
    },
    remove: function (id) {
      var cart = read();
      delete cart[id];
      write(cart);
      _rejoiner.push(['removeCartItem', { product_id: id }]);
      _rejoiner.push(['setCartData', totals(cart)]);
    },
    clear: function () { write({}); },
  };
})();
