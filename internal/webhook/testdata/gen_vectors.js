const inputs = [
  '{"b":1,"a":[1,2,{"z":null,"y":true}]}',
  '{"name":"<b>&\\u2028\\u2029\\u0007\\u001f\\u007f\\"\\\\/é😀"}',
  '{"10":"x","b":"y","2":"z","01":"w","-1":"v","4294967295":"u","4294967294":"t"}',
  '[1.0, 1e2, 1.5e-7, 0.000001, 123456789012345678901234, 1e21, 1e20, -0, -2.50, 5e-324, 0.1]',
  ' { "a" : "\\ud83d\\ude00" , "t":"\\t\\n\\r\\b\\f" } ',
];
// Prints [input, JSON.stringify(JSON.parse(input))] pairs: node gen_vectors.js > jsstringify.json
console.log(JSON.stringify(inputs.map(s => [s, JSON.stringify(JSON.parse(s))])));
